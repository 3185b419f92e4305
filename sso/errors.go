package sso

import (
	"fmt"

	"github.com/warroom/warroom"
)

// The ways a sign-in is refused. Finish wraps them with details for the
// log (errors.Is finds them); warroom.ErrorCode and warroom.ErrorMessage
// give the code and the message to show the person signing in, which
// never contain the token or the details.
var (
	// ErrState: the callback's state matches no sign-in started in this
	// browser (a forged or replayed callback, or cookies blocked).
	ErrState = &warroom.Error{Code: warroom.EUnauthorized, Message: "the sign-in response does not belong to a sign-in started in this browser; start again"}
	// ErrSignInExpired: the sign-in took longer than the flow cookie lives.
	ErrSignInExpired = &warroom.Error{Code: warroom.EUnauthorized, Message: "the sign-in took too long; start again"}
	// ErrProvider: the identity provider answered with an error (the user
	// declined, the client is not allowed...) or the code exchange failed.
	ErrProvider = &warroom.Error{Code: warroom.EUnauthorized, Message: "the identity provider refused the sign-in"}
	// ErrSignature: the ID token is malformed or its signature does not
	// verify with the provider's published keys (JWKS).
	ErrSignature = &warroom.Error{Code: warroom.EUnauthorized, Message: "the ID token's signature is not valid"}
	// ErrIssuer: the ID token was issued by another issuer.
	ErrIssuer = &warroom.Error{Code: warroom.EUnauthorized, Message: "the ID token was issued by another identity provider"}
	// ErrAudience: the ID token was issued to another client.
	ErrAudience = &warroom.Error{Code: warroom.EUnauthorized, Message: "the ID token was issued to another application"}
	// ErrExpired: the ID token has expired.
	ErrExpired = &warroom.Error{Code: warroom.EUnauthorized, Message: "the ID token has expired; start again"}
	// ErrToken: the ID token is refused for another reason (not yet valid).
	ErrToken = &warroom.Error{Code: warroom.EUnauthorized, Message: "the ID token is not valid"}
	// ErrNonce: the ID token's nonce is not the one this sign-in sent
	// (a token replayed from another sign-in).
	ErrNonce = &warroom.Error{Code: warroom.EUnauthorized, Message: "the ID token does not belong to this sign-in (wrong nonce)"}
	// ErrNoEmail: the ID token carries no email address.
	ErrNoEmail = &warroom.Error{Code: warroom.EForbidden, Message: "the identity provider sent no email address; ask your administrator to release the email claim to warroom"}
	// ErrUnverifiedEmail: the provider does not vouch for the email.
	ErrUnverifiedEmail = &warroom.Error{Code: warroom.EForbidden, Message: "your email address is not verified by the identity provider; verify it there and sign in again"}
	// ErrSignupNotAllowed: no account has this email and accounts are not
	// created on first sign-in.
	ErrSignupNotAllowed = &warroom.Error{Code: warroom.EForbidden, Message: "there is no warroom account with your email address; ask an admin to create one"}
	// ErrReturnTo: the page to return to is not a path of this site.
	ErrReturnTo = &warroom.Error{Code: warroom.EInvalid, Field: "return_to", Message: "the page to return to must be a path on this site, like /incidents"}
)

// refused wraps a sentinel with details for the log.
func refused(sentinel *warroom.Error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))
}

// ErrUnavailable: the identity provider could not be reached.
var ErrUnavailable = &warroom.Error{Code: warroom.EUnavailable, Message: "the identity provider cannot be reached; try again in a moment"}
