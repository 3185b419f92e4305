package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The README's first command leads to a browser: `warroom serve` on an
// empty database prints the bootstrap command, which prints a one-time
// link that signs the first admin in to the web UI. An admin then resets
// passwords and makes links from the command line.
func TestBootstrapLinkSignsInToTheWebUI(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "warroom.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	exit := make(chan int)
	go func() {
		exit <- Execute(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--db", dsn, "--sweep-interval", "1h"}, pw, io.Discard)
		pw.Close()
	}()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var base, boot string
	for l := range lines {
		if m := regexp.MustCompile(`--public-url (http://\S+)`).FindStringSubmatch(l); m != nil && boot == "" {
			boot = m[1]
		}
		if m := regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(l); m != nil {
			base = m[1]
			break
		}
	}
	if base == "" || boot != base {
		t.Fatalf("the bootstrap command points at %q, the server listens on %q", boot, base)
	}
	// Execute, not runCLI: the link must be valid on the server's clock.
	var bootOut, bootErr strings.Builder
	if code := Execute(ctx, []string{"bootstrap", "--db", dsn, "--email", "admin@example.com", "--public-url", base, "--output", "json"}, &bootOut, &bootErr); code != 0 {
		t.Fatalf("bootstrap: exit %d: %s", code, bootErr.String())
	}
	out := bootOut.String()
	var res struct {
		Secret    string
		SigninURL string `json:"signin_url"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || !strings.HasPrefix(res.SigninURL, base+"/signin/link/wr_") {
		t.Fatalf("bootstrap output %q: %v", out, err)
	}

	// A browser opens the link and presses its button.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	signIn := func(link string) *http.Response {
		t.Helper()
		resp, err := browser.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		_, tok, _ := strings.Cut(string(page), `name="csrf" value="`)
		tok, _, _ = strings.Cut(tok, `"`)
		resp, err = browser.PostForm(link, url.Values{"csrf": {tok}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := signIn(res.SigninURL); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/profile/password" {
		t.Fatalf("using the link: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err := browser.Get(base + "/incidents")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("signed in by the link, /incidents answers %d", resp.StatusCode)
	}

	// The admin resets their own password from the command line (read
	// from standard input), which ends the browser's session.
	env := map[string]string{"WARROOM_SERVER": base, "WARROOM_TOKEN": res.Secret}
	r, w, _ := os.Pipe()
	stdin := os.Stdin
	os.Stdin = r
	w.WriteString("a password from the CLI\n")
	w.Close()
	out, errOut, code := runCLI(t, env, "user", "set-password", "admin")
	os.Stdin = stdin
	if code != 0 || !strings.Contains(out, "Password of @admin set; 1 web sessions ended.") {
		t.Fatalf("set-password: exit %d: %s%s", code, out, errOut)
	}
	resp, _ = browser.Get(base + "/incidents")
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the session survived the reset: %d", resp.StatusCode)
	}
	out, errOut, code = runCLI(t, env, "user", "signin-link", "admin")
	link := regexp.MustCompile(`http://\S+/signin/link/wr_\S+`).FindString(out)
	if code != 0 || link == "" {
		t.Fatalf("signin-link: exit %d: %s%s", code, out, errOut)
	}
	if resp := signIn(link); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("using the CLI's link: %d", resp.StatusCode)
	}
	cancel()
	if code := <-exit; code != 0 {
		t.Errorf("serve exited %d", code)
	}
}
