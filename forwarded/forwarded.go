// Package forwarded finds the address a request really comes from when
// warroom runs behind reverse proxies (a load balancer, nginx, an ingress).
//
// Sign-in attempts are limited per address and status-page subscriptions
// per network; behind a proxy every connection comes from the proxy, so
// without this one person's failed sign-ins would lock everybody out. The
// proxies append the address they received a request from to
// X-Forwarded-For; a client can write anything into that header itself,
// so only the entries added by proxies the admin named are believed: the
// header is read from the right, past trusted proxies, and the first
// address that is not one of them is the client.
package forwarded

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the address ranges of the reverse proxies in front of
// warroom (the trusted-proxies setting). None: forwarded headers are
// ignored and the connection's address is the client's.
type Proxies []netip.Prefix

// ParseProxies reads ranges ("10.0.0.0/8") and single addresses
// ("192.0.2.7"), separated by commas or spaces.
func ParseProxies(s string) (Proxies, error) {
	var out Proxies
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not an address range (CIDR) such as 10.0.0.0/8", f)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not an address or an address range (CIDR) such as 10.0.0.0/8", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// String writes the ranges as ParseProxies reads them.
func (p Proxies) String() string {
	out := make([]string, len(p))
	for i, r := range p {
		out[i] = r.String()
	}
	return strings.Join(out, ",")
}

func (p Proxies) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, r := range p {
		if r.Contains(a) {
			return true
		}
	}
	return false
}

// Client returns the address r comes from: the connection's, unless that
// is a trusted proxy, in which case the rightmost X-Forwarded-For entry
// that is not a trusted proxy (the last one a trusted proxy vouches for,
// when every entry is trusted or an entry cannot be read).
func (p Proxies) Client(r *http.Request) netip.Addr {
	peer := addrOf(r.RemoteAddr)
	if len(p) == 0 || !peer.IsValid() || !p.trusted(peer) {
		return peer
	}
	client := peer
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h := strings.TrimSpace(hops[i])
		if h == "" {
			continue
		}
		a, err := netip.ParseAddr(h)
		if err != nil {
			if ap, err2 := netip.ParseAddrPort(h); err2 == nil { // some proxies add the port
				a, err = ap.Addr(), nil
			}
		}
		if err != nil {
			break // a proxy we trust would not write this: stop believing the header here
		}
		client = a.Unmap()
		if !p.trusted(client) {
			break
		}
	}
	return client
}

// Handler serves h with each request's RemoteAddr set to its client's
// address (see Client), so that every handler behind it (sign-in limits,
// session records, subscription limits) sees the same one.
func (p Proxies) Handler(h http.Handler) http.Handler {
	if len(p) == 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		client := p.Client(r)
		if client.IsValid() && client != addrOf(r.RemoteAddr) {
			r2 := r.Clone(r.Context())
			r2.RemoteAddr = net.JoinHostPort(client.String(), "0")
			r = r2
		}
		h.ServeHTTP(w, r)
	})
}

func addrOf(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}
