// Package outbound keeps the requests warroom makes to destinations that
// people set (a responder's webhook contact method) away from the
// server's own network: loopback, private, link-local, carrier-grade NAT,
// unspecified, multicast and cloud-metadata addresses are refused unless
// an admin opened a named range (--outbound-allow).
//
// The check runs twice. When a destination is created, an IP literal (or
// "localhost") in a refused range is rejected at once, with a clear
// error. And every connection is checked again when it is made, on the IP
// address actually dialed: a name may resolve to a public address when
// the destination is created and to 127.0.0.1 later (DNS rebinding), so a
// create-time check alone protects nothing. Redirects are never followed,
// so a receiver cannot send the request on to an address it could not be
// given directly; proxies from the environment are not used, since the
// proxy, not this check, would then choose the address.
package outbound

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// refused is every range a user-set destination may not reach, with the
// reason shown to the user. More specific ranges come first, so that the
// metadata addresses are named as such.
var refused = []struct {
	prefix netip.Prefix
	why    string
}{
	{netip.MustParsePrefix("169.254.169.254/32"), "the cloud metadata service"},
	{netip.MustParsePrefix("fd00:ec2::254/128"), "the cloud metadata service"},
	{netip.MustParsePrefix("0.0.0.0/8"), "an unspecified address"},
	{netip.MustParsePrefix("127.0.0.0/8"), "a loopback address"},
	{netip.MustParsePrefix("10.0.0.0/8"), "a private address"},
	{netip.MustParsePrefix("172.16.0.0/12"), "a private address"},
	{netip.MustParsePrefix("192.168.0.0/16"), "a private address"},
	{netip.MustParsePrefix("100.64.0.0/10"), "a carrier-grade NAT address"},
	{netip.MustParsePrefix("169.254.0.0/16"), "a link-local address"},
	{netip.MustParsePrefix("224.0.0.0/4"), "a multicast address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"},
	{netip.MustParsePrefix("::/128"), "an unspecified address"},
	{netip.MustParsePrefix("::1/128"), "a loopback address"},
	{netip.MustParsePrefix("fc00::/7"), "a private (unique local) address"},
	{netip.MustParsePrefix("fe80::/10"), "a link-local address"},
	{netip.MustParsePrefix("ff00::/8"), "a multicast address"},
}

// nat64 is the well-known NAT64 prefix: its addresses carry an IPv4
// address in their last 32 bits, which is checked as such.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// BlockedError says that a destination resolved to an address users may
// not reach. It is permanent: retrying reaches the same address.
type BlockedError struct {
	Host string     // the name or literal the destination gave
	Addr netip.Addr // the address refused
	Why  string     // e.g. "a loopback address"
}

func (e *BlockedError) Error() string {
	what := e.Addr.String() + " is " + e.Why
	if e.Host != "" && e.Host != e.Addr.String() {
		what = e.Host + " resolves to " + e.Addr.String() + ", " + e.Why
	}
	return "outbound: " + what + "; destinations set by users may not reach it " +
		"(an admin may allow its range with --outbound-allow)"
}

// Resolver looks up the addresses of a host name; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Policy decides which addresses user-set destinations may reach. The
// zero Policy refuses every range above and resolves with
// net.DefaultResolver.
type Policy struct {
	// Allow lists ranges an admin opened although they are refused by
	// default, e.g. 10.20.0.0/16 for an internal chat bridge.
	Allow []netip.Prefix
	// Resolver looks names up; nil means net.DefaultResolver. Tests map
	// names to addresses with it.
	Resolver Resolver
	// Timeout bounds a connection attempt; 0 means 10 seconds.
	Timeout time.Duration
}

// ParseAllow parses --outbound-allow: CIDR ranges (or single addresses)
// separated by commas or spaces.
func ParseAllow(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		p, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil {
				return nil, fmt.Errorf("%q is not a CIDR range like 10.20.0.0/16 or an address", f)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// Check returns a *BlockedError if a user-set destination may not reach
// addr, nil if it may. host names the destination in the error.
func (p Policy) Check(host string, addr netip.Addr) error {
	addr = addr.Unmap().WithZone("")
	for _, a := range p.Allow {
		if a.Contains(addr) {
			return nil
		}
	}
	if nat64.Contains(addr) {
		b := addr.As16()
		if err := p.Check(host, netip.AddrFrom4([4]byte(b[12:]))); err != nil {
			return err
		}
	}
	for _, r := range refused {
		if r.prefix.Contains(addr) {
			return &BlockedError{Host: host, Addr: addr, Why: r.why}
		}
	}
	return nil
}

// CheckURL is the check made when a destination is created: an http(s)
// URL whose host is an IP literal or "localhost" in a refused range is
// refused with a *BlockedError. Names are checked when they are dialed.
func (p Policy) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		// RFC 6761: always loopback, whatever DNS says.
		return p.Check(host, netip.MustParseAddr("127.0.0.1"))
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		return p.Check(host, addr)
	}
	return nil
}

// DialContext connects to addr (host:port) only on addresses the policy
// allows: it resolves the host itself, skips refused addresses, and
// checks again, in the dialer's Control hook, the address the socket is
// actually connecting to. If every address is refused, the error is a
// *BlockedError.
func (p Policy) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else {
		var r Resolver = net.DefaultResolver
		if p.Resolver != nil {
			r = p.Resolver
		}
		ipNet := "ip"
		switch network {
		case "tcp4":
			ipNet = "ip4"
		case "tcp6":
			ipNet = "ip6"
		}
		if addrs, err = r.LookupNetIP(ctx, ipNet, host); err != nil {
			return nil, err
		}
	}
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	d := net.Dialer{Timeout: timeout, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("outbound: cannot check the address %q being dialed: %w", address, err)
		}
		return p.Check(host, ap.Addr())
	}}
	var errs []error
	for _, a := range addrs {
		if err := p.Check(host, a); err != nil {
			errs = append(errs, err)
			continue
		}
		conn, err := d.DialContext(ctx, network, net.JoinHostPort(a.Unmap().String(), port))
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return nil, fmt.Errorf("outbound: %s has no address", host)
	}
	return nil, errors.Join(errs...)
}

// Transport returns an HTTP transport that dials through DialContext and
// uses no proxy.
func (p Policy) Transport() *http.Transport {
	return &http.Transport{
		DialContext:           p.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// Client returns an HTTP client for user-set destinations: its transport
// is Transport, it never follows a redirect (the 3xx is the answer), and
// each request is bounded by timeout (0: 30 seconds).
func (p Policy) Client(timeout time.Duration) *http.Client {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	return &http.Client{
		Transport: p.Transport(),
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// IsBlocked reports whether err (a failed request or dial) was refused
// by the policy.
func IsBlocked(err error) bool {
	var be *BlockedError
	return errors.As(err, &be)
}
