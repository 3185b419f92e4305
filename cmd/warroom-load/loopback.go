package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// errNotLoopback is the refusal of any target off this machine: the
// generator exists to load a server the user runs here, and this
// workplace forbids loading any other host.
var errNotLoopback = errors.New("warroom-load only targets a server on this machine " +
	"(127.0.0.0/8, ::1 or localhost): this workplace forbids load against any other host")

// parseServer checks --server: an http(s) URL whose host is a loopback
// address or localhost. It returns the URL without a trailing slash.
func parseServer(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--server %q is not an http(s) URL like http://127.0.0.1:8080", raw)
	}
	if !loopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("--server %q: %w", raw, errNotLoopback)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("--server %q: give only scheme, host, port and path", raw)
	}
	return u, nil
}

// loopbackHost reports whether host names this machine: "localhost" or a
// loopback IP (127.0.0.0/8, ::1). Other names are refused without being
// resolved, so DNS cannot point the load elsewhere.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	host, _, _ = strings.Cut(host, "%") // an IPv6 zone
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loopbackOnly is a dialer check run on every connection after name
// resolution: even if "localhost" resolved elsewhere, no byte leaves the
// machine.
func loopbackOnly(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("connection to %s refused: %w", address, errNotLoopback)
	}
	return nil
}

// newClient returns an HTTP client that reaches loopback addresses only:
// no proxy from the environment, every dial checked, no redirects
// followed. conns is how many connections may stay open (one per worker).
func newClient(conns int, timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: loopbackOnly}
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         func(ctx context.Context, n, a string) (net.Conn, error) { return d.DialContext(ctx, n, a) },
		MaxIdleConns:        conns + 8,
		MaxIdleConnsPerHost: conns + 8,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
