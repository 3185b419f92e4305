package cli

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestTrustedProxies: behind a reverse proxy named by --trusted-proxies,
// the web UI records the client's address from X-Forwarded-For (the
// sessions list shows it, and sign-in limits count it); without the
// setting, the header is a client's claim and is ignored.
func TestTrustedProxies(t *testing.T) {
	for _, c := range []struct {
		name  string
		extra []string
		want  string
	}{
		{"behind a trusted proxy", []string{"--trusted-proxies", "127.0.0.1, 10.0.0.0/8"}, "203.0.113.9"},
		{"no proxy configured", nil, "127.0.0.1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			base, _, token := startServe(t, c.extra...)
			env := map[string]string{"WARROOM_SERVER": base, "WARROOM_TOKEN": token}
			out, errOut, code := runCLI(t, env, "user", "signin-link", "admin")
			link := regexp.MustCompile(`http://\S+/signin/link/wr_\S+`).FindString(out)
			if code != 0 || link == "" {
				t.Fatalf("signin-link: exit %d: %s%s", code, out, errOut)
			}
			jar, _ := cookiejar.New(nil)
			browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			do := func(method, target string, form url.Values) string {
				t.Helper()
				req, _ := http.NewRequest(method, target, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				// The client forges an entry; the proxy appends the address it saw.
				req.Header.Set("X-Forwarded-For", "198.51.100.66, 203.0.113.9")
				resp, err := browser.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				return string(body)
			}
			page := do("GET", link, nil)
			_, tok, _ := strings.Cut(page, `name="csrf" value="`)
			tok, _, _ = strings.Cut(tok, `"`)
			do("POST", link, url.Values{"csrf": {tok}})
			profile := do("GET", base+"/profile", nil)
			if !strings.Contains(profile, "<td>"+c.want+"</td>") {
				t.Fatalf("the session list does not show %s:\n%s", c.want, profile)
			}
			if strings.Contains(profile, "198.51.100.66") {
				t.Error("the client's forged entry was believed")
			}
		})
	}
}
