package outbound

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

func TestCheckRefusesInternalRanges(t *testing.T) {
	var p Policy
	for _, tc := range []struct {
		addr string
		why  string // "" when allowed
	}{
		{"127.0.0.1", "loopback"},
		{"127.255.0.9", "loopback"},
		{"::1", "loopback"},
		{"::ffff:127.0.0.1", "loopback"}, // IPv4-mapped
		{"10.1.2.3", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.168.1.1", "private"},
		{"fc00::1", "unique local"},
		{"fd12:3456::1", "unique local"},
		{"169.254.169.254", "metadata"},
		{"fd00:ec2::254", "metadata"},
		{"169.254.1.1", "link-local"},
		{"fe80::1", "link-local"},
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},
		{"100.64.0.1", "carrier-grade NAT"},
		{"100.127.255.254", "carrier-grade NAT"},
		{"224.0.0.1", "multicast"},
		{"64:ff9b::7f00:1", "loopback"}, // NAT64 of 127.0.0.1
		{"93.184.216.34", ""},
		{"172.32.0.1", ""},
		{"100.128.0.1", ""},
		{"2606:4700::1111", ""},
		{"64:ff9b::5db8:d822", ""}, // NAT64 of a public address
	} {
		err := p.Check("", netip.MustParseAddr(tc.addr))
		switch {
		case tc.why == "" && err != nil:
			t.Errorf("%s: refused: %v", tc.addr, err)
		case tc.why != "" && (err == nil || !strings.Contains(err.Error(), tc.why)):
			t.Errorf("%s: got %v, want refused as %s", tc.addr, err, tc.why)
		case tc.why != "" && !IsBlocked(err):
			t.Errorf("%s: %T is not a BlockedError", tc.addr, err)
		}
	}
}

func TestAllowOpensOnlyTheNamedRanges(t *testing.T) {
	allow, err := ParseAllow("127.0.0.0/8, 10.20.0.0/16 ::1")
	if err != nil {
		t.Fatal(err)
	}
	p := Policy{Allow: allow}
	for _, a := range []string{"127.0.0.1", "10.20.3.4", "::1", "::ffff:127.0.0.1"} {
		if err := p.Check("", netip.MustParseAddr(a)); err != nil {
			t.Errorf("%s: %v", a, err)
		}
	}
	for _, a := range []string{"10.21.0.1", "169.254.169.254", "192.168.0.1"} {
		if err := p.Check("", netip.MustParseAddr(a)); !IsBlocked(err) {
			t.Errorf("%s: %v, want refused", a, err)
		}
	}
	if _, err := ParseAllow("10.0.0.0/33"); err == nil {
		t.Error("ParseAllow accepted 10.0.0.0/33")
	}
	if got, _ := ParseAllow("10.1.2.3"); len(got) != 1 || got[0].String() != "10.1.2.3/32" {
		t.Errorf("a single address: %v", got)
	}
}

func TestCheckURLRefusesLiteralsAndLocalhost(t *testing.T) {
	var p Policy
	for _, u := range []string{"http://127.0.0.1:8080/internal/admin", "https://[::1]/x", "http://localhost/x",
		"http://api.localhost./x", "http://169.254.169.254/latest/meta-data", "http://[fd00:ec2::254]/", "http://10.0.0.8/"} {
		if err := p.CheckURL(u); !IsBlocked(err) {
			t.Errorf("%s: %v, want refused", u, err)
		}
	}
	for _, u := range []string{"https://hooks.example.com/x", "http://93.184.216.34/x"} {
		if err := p.CheckURL(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
}

// mapResolver resolves every name to fixed addresses, as a DNS answer
// that changed after the destination was created would.
type mapResolver map[string][]netip.Addr

func (m mapResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := m[host]; ok {
		return a, nil
	}
	return nil, errors.New("no such host " + host)
}

// A name that resolves to loopback when the request is made is refused at
// dial time: nothing reaches the server listening there. With its range
// allowed, the same request goes through.
func TestDialRefusesANameResolvingToLoopback(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte("internal admin data"))
	}))
	defer srv.Close()
	port := srv.Listener.Addr().(interface{ AddrPort() netip.AddrPort }).AddrPort().Port()
	res := mapResolver{"hooks.example.test": {netip.MustParseAddr("127.0.0.1")}}
	url := "http://hooks.example.test:" + strconv.Itoa(int(port)) + "/internal/admin"

	p := Policy{Resolver: res}
	if err := p.CheckURL(url); err != nil {
		t.Fatalf("a name passes the create-time check (it is checked when dialed): %v", err)
	}
	resp, err := p.Client(0).Post(url, "application/json", strings.NewReader("{}"))
	if err == nil {
		resp.Body.Close()
		t.Fatalf("request to a name resolving to 127.0.0.1 answered %s", resp.Status)
	}
	if !IsBlocked(err) || !strings.Contains(err.Error(), "hooks.example.test resolves to 127.0.0.1, a loopback address") {
		t.Fatalf("error %v, want a BlockedError naming the name and address", err)
	}
	if hits.Load() != 0 {
		t.Fatal("the loopback server was reached")
	}

	p.Allow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	resp, err = p.Client(0).Post(url, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatalf("with 127.0.0.0/8 allowed: %v", err)
	}
	resp.Body.Close()
	if hits.Load() != 1 {
		t.Fatalf("%d requests reached the allowed server, want 1", hits.Load())
	}
}

// A receiver's redirect is the answer, not followed: it could point
// anywhere, including where the destination could not be set.
func TestClientDoesNotFollowRedirects(t *testing.T) {
	var inner atomic.Int32
	internal := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { inner.Add(1) }))
	defer internal.Close()
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, internal.URL+"/internal/admin", http.StatusTemporaryRedirect)
	}))
	defer redirector.Close()
	p := Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	resp, err := p.Client(0).Post(redirector.URL, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect || inner.Load() != 0 {
		t.Fatalf("status %d, %d requests reached the redirect's target; want 307 and none", resp.StatusCode, inner.Load())
	}
}
