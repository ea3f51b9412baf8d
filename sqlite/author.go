package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/newsdesk/newsdesk"
)

// FindAuthorBySlug returns the author with the slug, or ENOTFOUND.
func (s *ArticleService) FindAuthorBySlug(ctx context.Context, slug string) (*newsdesk.Author, error) {
	au := &newsdesk.Author{}
	err := s.db.read.QueryRowContext(ctx, `SELECT id, slug, name, email, url, bio FROM authors WHERE slug = ?`, slug).
		Scan(&au.ID, &au.Slug, &au.Name, &au.Email, &au.URL, &au.Bio)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, newsdesk.Errorf(newsdesk.ENOTFOUND, "author %q not found", slug)
	} else if err != nil {
		return nil, fmt.Errorf("find author %q: %w", slug, err)
	}
	return au, nil
}

// FindAuthors returns every author by name.
func (s *ArticleService) FindAuthors(ctx context.Context) ([]*newsdesk.Author, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT id, slug, name, email, url, bio FROM authors ORDER BY name, slug`)
	if err != nil {
		return nil, fmt.Errorf("find authors: %w", err)
	}
	defer rows.Close()
	var aus []*newsdesk.Author
	for rows.Next() {
		au := &newsdesk.Author{}
		if err := rows.Scan(&au.ID, &au.Slug, &au.Name, &au.Email, &au.URL, &au.Bio); err != nil {
			return nil, err
		}
		aus = append(aus, au)
	}
	return aus, rows.Err()
}

// CreateAuthor stores a new author.
func (s *ArticleService) CreateAuthor(ctx context.Context, au *newsdesk.Author) error {
	if err := validateAuthor(au); err != nil {
		return err
	}
	err := s.db.write.QueryRowContext(ctx, `INSERT INTO authors (slug, name, email, url, bio, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, au.Slug, au.Name, au.Email, au.URL, au.Bio,
		formatTime(s.db.Clock.Now())).Scan(&au.ID)
	if isUnique(err) {
		return newsdesk.Errorf(newsdesk.ECONFLICT, "an author with slug %q already exists", au.Slug)
	}
	return err
}

func validateAuthor(au *newsdesk.Author) error {
	switch {
	case !newsdesk.ValidSlug(au.Slug):
		return newsdesk.Errorf(newsdesk.EINVALID, "author slug %q is not valid: use lowercase letters, digits and hyphens", au.Slug)
	case strings.TrimSpace(au.Name) == "":
		return newsdesk.Errorf(newsdesk.EINVALID, "author %q needs a name", au.Slug)
	}
	if au.Email != "" {
		if _, err := mail.ParseAddress(au.Email); err != nil {
			return newsdesk.Errorf(newsdesk.EINVALID, "author %q: email %q is not valid", au.Slug, au.Email)
		}
	}
	return nil
}

// FindCategoryBySlug returns the category with the slug, or ENOTFOUND.
func (s *ArticleService) FindCategoryBySlug(ctx context.Context, slug string) (*newsdesk.Category, error) {
	c := &newsdesk.Category{}
	err := s.db.read.QueryRowContext(ctx, `SELECT id, slug, name FROM categories WHERE slug = ?`, slug).Scan(&c.ID, &c.Slug, &c.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, newsdesk.Errorf(newsdesk.ENOTFOUND, "category %q not found", slug)
	} else if err != nil {
		return nil, fmt.Errorf("find category %q: %w", slug, err)
	}
	return c, nil
}

// FindCategories returns every category by name.
func (s *ArticleService) FindCategories(ctx context.Context) ([]*newsdesk.Category, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT id, slug, name FROM categories ORDER BY name, slug`)
	if err != nil {
		return nil, fmt.Errorf("find categories: %w", err)
	}
	defer rows.Close()
	var cs []*newsdesk.Category
	for rows.Next() {
		c := &newsdesk.Category{}
		if err := rows.Scan(&c.ID, &c.Slug, &c.Name); err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, rows.Err()
}

// SaveCategory creates the category or renames an existing one.
func (s *ArticleService) SaveCategory(ctx context.Context, c *newsdesk.Category) error {
	if !newsdesk.ValidSlug(c.Slug) || strings.TrimSpace(c.Name) == "" {
		return newsdesk.Errorf(newsdesk.EINVALID, "category %q needs a valid slug and a name", c.Slug)
	}
	return s.db.write.QueryRowContext(ctx, `INSERT INTO categories (slug, name) VALUES (?, ?)
		ON CONFLICT (slug) DO UPDATE SET name = excluded.name RETURNING id`, c.Slug, c.Name).Scan(&c.ID)
}
