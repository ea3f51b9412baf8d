package admin

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/web"
	"golang.org/x/crypto/bcrypt"
)

// cookieName is the session cookie, scoped to /admin.
const cookieName = "newsdesk_session"

type ctxKey struct{}

// currentUser is the editor a request is made by; requireSession put it there.
func currentUser(r *http.Request) *newsdesk.User {
	u, _ := r.Context().Value(ctxKey{}).(*newsdesk.User)
	return u
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// dummyHash is what a login for an unknown account is compared against,
// at the cost real hashes have, so that timing tells nothing; made once.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("not a password anyone has"), bcrypt.DefaultCost)
	return h
})

// requireSession lets a request with a live session through, with its
// user in the context. Without one, a page load is sent to the login form
// and anything else is refused.
func (h *Handler) requireSession(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s := h.session(r)
		if s == nil {
			h.clearCookie(w)
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/admin/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			h.status(w, r, http.StatusUnauthorized, "error.html", &page{Title: "Not logged in",
				Message: "Your session has ended. Log in again, then repeat what you were doing."})
			return
		}
		ctx := newsdesk.WithActor(context.WithValue(r.Context(), ctxKey{}, s.User), "desk:"+s.User.Email)
		next(w, r.WithContext(ctx))
	}
}

// session returns the request's live session, or nil. An expired one is
// deleted; a live one is marked used at most once a minute, to spare writes.
func (h *Handler) session(r *http.Request) *newsdesk.Session {
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return nil
	}
	hash := hashToken(c.Value)
	s, err := h.Accounts.FindSession(r.Context(), hash)
	if err != nil {
		if newsdesk.ErrorCode(err) != newsdesk.ENOTFOUND {
			h.Logger.Error("admin: find session", "err", err)
		}
		return nil
	}
	now := h.Clock.Now()
	if now.Sub(s.SeenAt) > h.IdleTimeout || now.Sub(s.CreatedAt) > h.MaxSession {
		h.Accounts.DeleteSession(r.Context(), hash)
		return nil
	}
	if now.Sub(s.SeenAt) > time.Minute {
		if err := h.Accounts.TouchSession(r.Context(), hash); err != nil {
			h.Logger.Warn("admin: touch session", "err", err)
		}
	}
	return s
}

func (h *Handler) setCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: token, Path: "/admin",
		MaxAge: int(h.MaxSession.Seconds()), HttpOnly: true, Secure: h.secureCookie, SameSite: http.SameSiteLaxMode})
}

func (h *Handler) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/admin",
		MaxAge: -1, HttpOnly: true, Secure: h.secureCookie, SameSite: http.SameSiteLaxMode})
}

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	if h.session(r) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	f := newForm(r.URL.Query())
	h.render(w, r, "login.html", &page{Title: "Log in", Form: f})
}

// login checks an email and password. Each attempt is paid for before the
// password is compared, per (account, client address), per address and per
// account, whether or not the account exists, so that guessing is slow,
// parallel guesses are no faster, and the answer tells nothing about which
// addresses have accounts; once a limit is spent, even the right password
// waits. A right password gives its payment back.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	f := newForm(r.PostForm)
	email, ip := strings.ToLower(strings.TrimSpace(f.Get("email"))), web.ClientIP(r)
	password := f.Get("password")
	f.Values.Del("password") // never shown again
	res, ok := h.logins.reserve(email, web.ClientKey(r))
	if !ok {
		h.Logger.Warn("admin: login rate-limited", "email", email, "ip", ip)
		h.loginRefused(w, r, f, http.StatusTooManyRequests, "Too many login attempts. Wait a minute, then try again.")
		return
	}
	release, ok := h.logins.slot(r.Context())
	if !ok {
		res.Cancel()
		h.loginRefused(w, r, f, http.StatusServiceUnavailable, "The server is busy. Try again in a few seconds.")
		return
	}
	u, err := h.Accounts.FindUserByEmail(r.Context(), email)
	hash := dummyHash()
	if err == nil {
		hash = []byte(u.PasswordHash)
	}
	wrong := bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || err != nil
	release()
	if wrong {
		h.Logger.Info("admin: login failed", "email", email, "ip", ip)
		f.Fail("password", "The email or password is not right.")
		h.status(w, r, http.StatusUnauthorized, "login.html", &page{Title: "Log in", Form: f})
		return
	}
	res.Cancel()
	if err := h.startSession(w, r, u); err != nil {
		h.fail(w, r, err)
		return
	}
	h.Logger.Info("admin: logged in", "email", u.Email, "ip", ip)
	http.Redirect(w, r, safeNext(f.Get("next")), http.StatusSeeOther)
}

// loginRefused answers an attempt that was not tried.
func (h *Handler) loginRefused(w http.ResponseWriter, r *http.Request, f *form, status int, msg string) {
	w.Header().Set("Retry-After", "60")
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	f.Fail("", msg)
	h.status(w, r, status, "login.html", &page{Title: "Log in", Form: f})
}

// startSession ends any session the browser had (against session
// fixation) and begins a new one.
func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, u *newsdesk.User) error {
	if c, err := r.Cookie(cookieName); err == nil {
		h.Accounts.DeleteSession(r.Context(), hashToken(c.Value))
	}
	b := make([]byte, 32)
	rand.Read(b)
	token := base64.RawURLEncoding.EncodeToString(b)
	if _, err := h.Accounts.CreateSession(r.Context(), hashToken(token), u.ID); err != nil {
		return err
	}
	h.setCookie(w, token)
	// Sessions unused past the idle limit are dead; logins sweep them, so
	// the table holds about as many rows as there are live sessions.
	if _, err := h.Accounts.DeleteSessionsBefore(r.Context(), h.Clock.Now().Add(-h.IdleTimeout)); err != nil {
		h.Logger.Warn("admin: sweep sessions", "err", err)
	}
	return nil
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(cookieName); err == nil {
		if err := h.Accounts.DeleteSession(r.Context(), hashToken(c.Value)); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	h.clearCookie(w)
	http.Redirect(w, r, "/admin/login?done=logged-out", http.StatusSeeOther)
}

// safeNext keeps a post-login redirect on the desk: only paths under
// /admin/, never another host ("//evil" or "/\\evil").
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/admin/") || strings.ContainsAny(next, "\\\r\n") || strings.HasPrefix(next, "//") {
		return "/admin/"
	}
	return next
}
