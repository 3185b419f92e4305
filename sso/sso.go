// Package sso signs people in to warroom through an OpenID Connect
// provider (Okta, Entra ID, Google, Keycloak, Dex...): the authorization
// code flow with state, nonce and PKCE (S256), the ID token checked for
// signature (the provider's JWKS), issuer, audience, expiry and nonce,
// and its claims mapped to a warroom account: found by verified email,
// created on first sign-in when allowed, its account role set from the
// provider's groups when a mapping is configured.
//
// The package does the two HTTP steps of a sign-in and returns the user;
// the web UI starts the session (see docs/sso.md).
package sso

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/warroom/warroom"
)

// Users is what sign-in needs of the directory (sqlstore.Store has it).
type Users interface {
	// FindUserByEmail returns the user with this email, compared without
	// regard to case; ENotFound.
	FindUserByEmail(ctx context.Context, email string) (*warroom.User, error)
	// CreateUser stores a new user; EConflict (field handle or email).
	CreateUser(ctx context.Context, u *warroom.User) error
	// UpdateUser replaces a user's fields; ENotFound, EConflict.
	UpdateUser(ctx context.Context, u *warroom.User) error
}

// Provider signs people in through one OpenID Connect provider. It is
// safe for concurrent use.
type Provider struct {
	cfg      Config
	users    Users
	now      warroom.Clock
	client   *http.Client
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier // every check
	sigOnly  *oidc.IDTokenVerifier // the signature alone, to name what failed
	cookies  cookieSigner
}

// HTTPTimeout bounds each request to the provider (discovery, token,
// keys) when Config.HTTPClient is nil.
const HTTPTimeout = 10 * time.Second

// New checks cfg and reads the provider's discovery document
// (ISSUER/.well-known/openid-configuration), whose issuer must be
// cfg.IssuerURL exactly. now is the clock for the ID token's expiry and
// the flow cookie's. Errors: EInvalid for a bad cfg, EUnavailable when
// discovery fails.
func New(ctx context.Context, cfg Config, users Users, now warroom.Clock) (*Provider, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: HTTPTimeout}
	}
	provider, err := oidc.NewProvider(oidc.ClientContext(ctx, client), cfg.IssuerURL)
	if err != nil {
		return nil, fmt.Errorf("%w: discovery at %s: %v", ErrUnavailable, cfg.IssuerURL, err)
	}
	redirect, _ := url.Parse(cfg.RedirectURL) // Validate parsed it
	return &Provider{
		cfg: cfg, users: users, now: now, client: client,
		oauth: oauth2.Config{
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
			Endpoint: provider.Endpoint(),
			Scopes:   append([]string{oidc.ScopeOpenID, "email", "profile"}, cfg.Scopes...),
		},
		verifier: provider.Verifier(&oidc.Config{ClientID: cfg.ClientID, Now: now}),
		sigOnly: provider.Verifier(&oidc.Config{SkipClientIDCheck: true, SkipExpiryCheck: true,
			SkipIssuerCheck: true}),
		cookies: cookieSigner{key: cookieKey(cfg.ClientSecret), path: redirect.EscapedPath(),
			secure: redirect.Scheme == "https"},
	}, nil
}

// Start begins a sign-in: it remembers a fresh state, nonce and PKCE
// verifier and returnTo in a signed, HttpOnly, SameSite=Lax cookie scoped
// to the callback path, and redirects the browser to the provider's
// authorization endpoint. returnTo is the page to show after sign-in
// ("" for "/"); it must be a path of this site (LocalPath), else Start
// writes nothing and returns ErrReturnTo (EInvalid).
func (p *Provider) Start(w http.ResponseWriter, r *http.Request, returnTo string) error {
	if returnTo == "" {
		returnTo = "/"
	}
	if !LocalPath(returnTo) {
		return refused(ErrReturnTo, "return to %q", returnTo)
	}
	f := flow{State: randomToken(), Nonce: randomToken(), Verifier: oauth2.GenerateVerifier(),
		ReturnTo: returnTo, Expires: p.now().Add(flowTTL).Unix()}
	if err := p.cookies.set(w, f); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, p.oauth.AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier)), http.StatusFound)
	return nil
}

// CallbackPath is the path of the redirect URL: where Finish is mounted.
func (p *Provider) CallbackPath() string { return p.cookies.path }

// randomToken returns 256 random bits, base64url: a state or a nonce.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand documents it)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Finish completes a sign-in at the redirect URL: it checks that the
// callback's state is that of a sign-in this browser started (and
// deletes that flow: a callback is used once), exchanges the code with
// the PKCE verifier, verifies the ID token (signature, issuer, audience,
// expiry, nonce) and returns the user its claims name, with the page to
// return to. The caller starts the session. Errors wrap ErrState,
// ErrSignInExpired, ErrProvider, ErrUnavailable, ErrSignature,
// ErrIssuer, ErrAudience, ErrExpired, ErrToken, ErrNonce, ErrNoEmail,
// ErrUnverifiedEmail, ErrSignupNotAllowed; a store error otherwise.
// returnTo is set whenever the state was good, so a refused sign-in can
// offer to start again towards the same page.
func (p *Provider) Finish(w http.ResponseWriter, r *http.Request) (user *warroom.User, returnTo string, err error) {
	q := r.URL.Query()
	state := q.Get("state")
	f, err := p.cookies.get(r, state, p.now())
	switch {
	case errors.Is(err, errExpiredFlow):
		p.cookies.clear(w, state)
		return nil, f.ReturnTo, refused(ErrSignInExpired, "flow of state started more than %s ago", flowTTL)
	case err != nil:
		return nil, "", refused(ErrState, "%v", err)
	}
	p.cookies.clear(w, state)
	if e := q.Get("error"); e != "" {
		return nil, f.ReturnTo, refused(ErrProvider, "%s: %s", e, q.Get("error_description"))
	}
	code := q.Get("code")
	if code == "" {
		return nil, f.ReturnTo, refused(ErrProvider, "the callback has no code")
	}
	ctx := oidc.ClientContext(r.Context(), p.client)
	tok, err := p.oauth.Exchange(ctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return nil, f.ReturnTo, refused(ErrProvider, "code exchange: %v", err)
		}
		return nil, f.ReturnTo, fmt.Errorf("%w: code exchange: %v", ErrUnavailable, err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return nil, f.ReturnTo, refused(ErrProvider, "the token response has no id_token (is the openid scope granted?)")
	}
	idt, err := p.verify(ctx, raw)
	if err != nil {
		return nil, f.ReturnTo, err
	}
	if !hmac.Equal([]byte(idt.Nonce), []byte(f.Nonce)) {
		return nil, f.ReturnTo, refused(ErrNonce, "the token's nonce is not this sign-in's")
	}
	u, err := p.signIn(ctx, idt)
	if err != nil {
		return nil, f.ReturnTo, err
	}
	return u, f.ReturnTo, nil
}

// verify checks raw with every check go-oidc makes and, when one fails,
// names which: the signature first (nothing in an unsigned token can be
// believed), then issuer, audience and expiry.
func (p *Provider) verify(ctx context.Context, raw string) (*oidc.IDToken, error) {
	t, err := p.verifier.Verify(ctx, raw)
	if err == nil {
		if azp, ok := authorizedParty(t); ok && azp != p.cfg.ClientID {
			return nil, refused(ErrAudience, "azp %q is not client %q", azp, p.cfg.ClientID)
		}
		return t, nil
	}
	signed, serr := p.sigOnly.Verify(ctx, raw)
	var expired *oidc.TokenExpiredError
	switch {
	case serr != nil:
		return nil, refused(ErrSignature, "%v", serr)
	case signed.Issuer != p.cfg.IssuerURL:
		return nil, refused(ErrIssuer, "issuer %q, want %q", signed.Issuer, p.cfg.IssuerURL)
	case !slices.Contains(signed.Audience, p.cfg.ClientID):
		return nil, refused(ErrAudience, "audience %q does not include client %q", signed.Audience, p.cfg.ClientID)
	case errors.As(err, &expired):
		return nil, refused(ErrExpired, "%v (now %v)", err, p.now())
	default:
		return nil, refused(ErrToken, "%v", err)
	}
}

// authorizedParty returns the token's azp claim, if any: when present it
// must be this client (OpenID Connect Core 3.1.3.7).
func authorizedParty(t *oidc.IDToken) (string, bool) {
	var c struct {
		AZP string `json:"azp"`
	}
	if t.Claims(&c) != nil || c.AZP == "" {
		return "", false
	}
	return c.AZP, true
}
