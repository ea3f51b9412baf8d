package admin

import (
	"context"
	"net/http"

	"github.com/newsdesk/newsdesk"
	"github.com/newsdesk/newsdesk/web"
)

// TokenStore is what the desk makes, lists and revokes the JSON API's
// bearer tokens through.
type TokenStore interface {
	CreateAPIToken(ctx context.Context, userEmail, name string) (*newsdesk.APIToken, string, error)
	FindAPITokens(ctx context.Context) ([]*newsdesk.APIToken, error)
	RevokeAPIToken(ctx context.Context, id int64) (*newsdesk.APIToken, error)
}

func (h *Handler) tokenRoutes() []route {
	return []route{
		{pattern: "GET /admin/tokens", handler: h.tokenList},
		{pattern: "POST /admin/tokens", handler: h.tokenCreate},
		{pattern: "POST /admin/tokens/{id}/revoke", handler: h.tokenRevoke},
	}
}

// tokenView is the data of the tokens page. Secret is set only on the
// answer to the form that made Created: the one time it is shown.
type tokenView struct {
	Tokens  []*newsdesk.APIToken
	Created *newsdesk.APIToken
	Secret  string
}

func (h *Handler) tokenList(w http.ResponseWriter, r *http.Request) {
	h.tokenPage(w, r, http.StatusOK, newForm(nil), &tokenView{})
}

func (h *Handler) tokenPage(w http.ResponseWriter, r *http.Request, code int, f *form, v *tokenView) {
	var err error
	if v.Tokens, err = h.Tokens.FindAPITokens(r.Context()); err != nil {
		h.fail(w, r, err)
		return
	}
	h.status(w, r, code, "tokens.html", &page{Title: "API tokens", Nav: "tokens", Form: f, Data: v})
}

// tokenCreate makes a token for the editor who asks and answers with its
// secret in the page itself, never in a redirect, so that it appears once
// and in no address, log line or history entry.
func (h *Handler) tokenCreate(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	f := newForm(r.PostForm)
	t, secret, err := h.Tokens.CreateAPIToken(r.Context(), currentUser(r).Email, f.Get("name"))
	if err != nil {
		if newsdesk.ErrorCode(err) == newsdesk.EINTERNAL {
			h.fail(w, r, err)
			return
		}
		f.FailErr(blame(err, "name=token name"))
		h.tokenPage(w, r, web.ErrorStatus(err), f, &tokenView{})
		return
	}
	h.tokenPage(w, r, http.StatusOK, newForm(nil), &tokenView{Created: t, Secret: secret})
}

// tokenRevoke revokes a token; an unknown or already revoked one is said
// so above the list rather than on an error page.
func (h *Handler) tokenRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		_, err = h.Tokens.RevokeAPIToken(r.Context(), id)
	}
	if err != nil {
		if newsdesk.ErrorCode(err) == newsdesk.EINTERNAL {
			h.fail(w, r, err)
			return
		}
		f := newForm(nil)
		f.Fail("", newsdesk.ErrorMessage(err))
		h.tokenPage(w, r, web.ErrorStatus(err), f, &tokenView{})
		return
	}
	done(w, r, "/admin/tokens", "revoked")
}
