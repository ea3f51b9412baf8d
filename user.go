package newsdesk

import (
	"context"
	"time"
)

// User is an editor account: someone who may use the editors' desk.
type User struct {
	ID           int64
	Email        string
	PasswordHash string // bcrypt
	CreatedAt    time.Time
}

// Session is a logged-in editor's browser. Only a hash of the token in the
// cookie is stored, so a copy of the database does not let anyone in.
type Session struct {
	TokenHash string
	User      *User
	CreatedAt time.Time
	SeenAt    time.Time // the last request, at a minute's precision
}

// UserService stores editor accounts and their sessions.
type UserService interface {
	FindUserByEmail(ctx context.Context, email string) (*User, error)
	FindUsers(ctx context.Context) ([]*User, error)
	CreateUser(ctx context.Context, email, passwordHash string) error
	SetUserPassword(ctx context.Context, email, passwordHash string) error
	// DeleteUser removes the account and ends its sessions.
	DeleteUser(ctx context.Context, email string) error

	CreateSession(ctx context.Context, tokenHash string, userID int64) (*Session, error)
	FindSession(ctx context.Context, tokenHash string) (*Session, error)
	TouchSession(ctx context.Context, tokenHash string) error
	DeleteSession(ctx context.Context, tokenHash string) error
}
