package importer

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/newsdesk/newsdesk"
)

// mediaTypes are the uploads copied into the media store, by the type
// their bytes show, as the desk's own upload form takes them. Anything
// else (HTML, SVG, which can carry scripts) stays where it was.
var mediaTypes = map[string]string{
	"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp", "application/pdf": ".pdf",
}

// mediaStore copies the files of a wp-content/uploads copy into the desk's
// media store, named by their content as uploads are, once each.
type mediaStore struct {
	from, to string
	copied   map[string]string // upload path -> /media/ URL, "" when not copied
	report   *Report
}

func (im *Importer) newMedia(r *Report) *mediaStore {
	if im.MediaFrom == "" || im.MediaDir == "" {
		return nil
	}
	return &mediaStore{from: im.MediaFrom, to: im.MediaDir, copied: map[string]string{}, report: r}
}

// rewrite returns the media store URL of an uploaded file's URL, copying
// the file the first time, or "" when the URL is not an upload this copy
// holds.
func (m *mediaStore) rewrite(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	_, rel, ok := strings.Cut(u.Path, "/wp-content/uploads/")
	if !ok || rel == "" {
		return ""
	}
	rel = path.Clean(rel)
	if to, done := m.copied[rel]; done {
		return to
	}
	to, err := m.copy(rel)
	if err != nil {
		m.report.skip("media files missing or not images")
	} else {
		m.report.Media++
	}
	m.copied[rel] = to
	return to
}

func (m *mediaStore) copy(rel string) (string, error) {
	if strings.HasPrefix(rel, "..") || filepath.IsAbs(rel) {
		return "", os.ErrNotExist
	}
	b, err := os.ReadFile(filepath.Join(m.from, filepath.FromSlash(rel)))
	if err != nil {
		return "", err
	}
	ext, ok := mediaTypes[http.DetectContentType(b)]
	if !ok {
		return "", os.ErrInvalid
	}
	sum := sha256.Sum256(b)
	base := path.Base(rel)
	name := newsdesk.Slugify(strings.TrimSuffix(base, path.Ext(base)))
	if name == "" {
		name = "file"
	}
	name += "-" + hex.EncodeToString(sum[:8]) + ext
	if err := os.MkdirAll(m.to, 0o755); err != nil {
		return "", err
	}
	dst := filepath.Join(m.to, name)
	if _, err := os.Stat(dst); err == nil {
		return "/media/" + name, nil
	}
	tmp, err := os.CreateTemp(m.to, ".import-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, strings.NewReader(string(b))); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return "", err
	}
	return "/media/" + name, os.Rename(tmp.Name(), dst)
}
