package cli

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"syscall"
)

// Exit codes, so that scripts can tell a refused command from a typo and
// from a server that is down.
const (
	exitOK          = 0
	exitFailed      = 1 // the server refused the command, or it failed
	exitUsage       = 2 // wrong arguments, flags or configuration
	exitUnreachable = 3 // the server could not be reached
)

// usageError is a mistake in the command line or configuration.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// apiError is an error answer of the warroom API.
type apiError struct {
	Status  int
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	body    []byte // the answer as sent, printed in JSON output
}

func (e *apiError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s (field: %s)", e.Message, e.Field)
	}
	return e.Message
}

// unreachableError is a request that never got an answer, even retried.
type unreachableError struct {
	server string
	err    error
}

func (e *unreachableError) Error() string {
	return fmt.Sprintf("cannot reach the warroom server at %s: %v", e.server, e.err)
}
func (e *unreachableError) Unwrap() error { return e.err }

// report prints err for a person (and, in JSON output, an API error's
// body for a script) and returns the exit code.
func report(stdout, stderr io.Writer, err error, jsonOut bool) int {
	fmt.Fprintln(stderr, "error: "+err.Error())
	if h := hint(err); h != "" {
		fmt.Fprintln(stderr, "hint: "+h)
	}
	var ae *apiError
	var ue *usageError
	var ne *unreachableError
	switch {
	case errors.As(err, &ae):
		if jsonOut && len(ae.body) > 0 {
			fmt.Fprintln(stdout, string(ae.body))
		}
		return exitFailed
	case errors.As(err, &ue):
		return exitUsage
	case errors.As(err, &ne):
		return exitUnreachable
	}
	return exitFailed
}

// hint says what to do about an error, where there is one thing to do.
func hint(err error) string {
	var ae *apiError
	var ne *unreachableError
	switch {
	case errors.Is(err, errNoToken):
		return "an admin gives you one with `warroom token create --user YOU`; on a new server, create the first admin and token with `warroom bootstrap`"
	case errors.As(err, &ae) && ae.Status == http.StatusUnauthorized:
		return "set WARROOM_TOKEN (or pass --token) to an API token; on a new server, create the first admin and token with `warroom bootstrap`"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "is the server running? start it with `warroom serve`, or point --server (WARROOM_SERVER) at it"
	case errors.As(err, &ne):
		return "check --server (WARROOM_SERVER) and your network"
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return "see `warroom help` or `warroom COMMAND --help`"
	}
	return ""
}
