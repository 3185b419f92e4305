package e2e_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// deadline bounds every wait for the server, so that a broken build fails
// instead of hanging; it is not a speed requirement.
const deadline = 60 * time.Second

// user is someone with an API token.
type user struct {
	handle, id, token string
}

// server is a running `warroom serve` subprocess and the commands run
// against it.
type server struct {
	t            *testing.T
	url          string
	dsn          string
	cmd          *exec.Cmd
	announcement string
	logs         *syncBuffer
	exited       chan error

	mu   sync.Mutex
	used map[string]map[string]bool // output mode -> commands that succeeded
}

// syncBuffer is a bytes.Buffer safe for the process's writer and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// cleanEnv is the test's environment without WARROOM_* variables, so that
// a developer's own settings cannot leak into the run.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "WARROOM_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

var listeningLine = regexp.MustCompile(`warroom listening on (http://\S+)`)

// startServer runs `warroom serve` on a free port with the database dsn
// and any extra flags, and waits for it to print its URL and the rest of
// its announcement. On cleanup it sends SIGTERM and checks that the
// server stops cleanly.
func startServer(t *testing.T, dsn string, extra ...string) *server {
	t.Helper()
	args := append([]string{"serve", "--listen", "127.0.0.1:0", "--db", dsn}, extra...)
	cmd := exec.Command(binary, args...)
	cmd.Env = cleanEnv()
	cmd.Dir = t.TempDir()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, dsn: dsn, cmd: cmd, logs: &syncBuffer{}, exited: make(chan error, 1),
		used: map[string]map[string]bool{"text": {}, "json": {}}}
	cmd.Stderr = s.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.stop)
	announced := make(chan string, 1)
	go s.readAnnouncement(stdout, announced)
	go func() { s.exited <- cmd.Wait() }()
	select {
	case s.announcement = <-announced:
	case err := <-s.exited:
		t.Fatalf("warroom serve exited before listening: %v\n%s", err, s.logs)
	case <-time.After(deadline):
		t.Fatalf("warroom serve printed no URL within %s\n%s", deadline, s.logs)
	}
	s.url = listeningLine.FindStringSubmatch(s.announcement)[1]
	return s
}

// readAnnouncement collects stdout up to the "listening on" line, which
// ends the start-up announcement, then keeps draining stdout.
func (s *server) readAnnouncement(stdout io.Reader, announced chan<- string) {
	sc := bufio.NewScanner(stdout)
	var lines []string
	for sc.Scan() {
		if lines == nil || !listeningLine.MatchString(lines[len(lines)-1]) {
			lines = append(lines, sc.Text())
			if listeningLine.MatchString(sc.Text()) {
				announced <- strings.Join(lines, "\n")
			}
		}
	}
}

// stop sends SIGTERM and expects a graceful exit with status 0.
func (s *server) stop() {
	if s.cmd.ProcessState != nil {
		return
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		s.t.Errorf("signal server: %v", err)
	}
	select {
	case err := <-s.exited:
		if err != nil {
			s.t.Errorf("server did not stop cleanly on SIGTERM: %v", err)
		}
	case <-time.After(deadline):
		s.cmd.Process.Kill()
		s.t.Errorf("server did not stop within %s of SIGTERM", deadline)
	}
	if s.t.Failed() {
		s.t.Logf("server log:\n%s", s.logs)
	}
}

// result is one CLI invocation's outcome.
type result struct {
	stdout, stderr string
	code           int
}

// run runs the warroom CLI as u (nil: without a token) against s.
func (s *server) run(u *user, args ...string) result {
	s.t.Helper()
	env := []string{"WARROOM_SERVER=" + s.url}
	if u != nil {
		env = append(env, "WARROOM_TOKEN="+u.token)
	}
	return runBinary(s.t, env, args...)
}

// runBinary runs the warroom binary with the extra environment.
func runBinary(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = cleanEnv(env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run warroom %s: %v", strings.Join(args, " "), err)
	}
	return result{out.String(), errOut.String(), cmd.ProcessState.ExitCode()}
}

// commandName names a CLI command for the JSON coverage check: the first
// word, or the first two for command groups.
func commandName(args []string) string {
	switch args[0] {
	case "user", "team", "service", "token":
		return args[0] + " " + args[1]
	}
	return args[0]
}

func (s *server) record(mode string, args []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.used[mode][commandName(args)] = true
}

// ok runs a command in text output, requires success and returns stdout.
func (s *server) ok(t *testing.T, u *user, args ...string) string {
	t.Helper()
	r := s.run(u, args...)
	if r.code != 0 {
		t.Fatalf("warroom %s: exit %d\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	s.record("text", args)
	return r.stdout
}

// json runs a command with --output json, requires success and that
// stdout is JSON, and decodes it into v (if not nil).
func (s *server) json(t *testing.T, u *user, v any, args ...string) {
	t.Helper()
	r := s.run(u, append(args, "--output", "json")...)
	if r.code != 0 {
		t.Fatalf("warroom %s --output json: exit %d\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	if !json.Valid([]byte(r.stdout)) {
		t.Fatalf("warroom %s --output json printed no JSON:\n%s", strings.Join(args, " "), r.stdout)
	}
	s.record("json", args)
	if v != nil {
		if err := json.Unmarshal([]byte(r.stdout), v); err != nil {
			t.Fatalf("decode output of %s: %v", strings.Join(args, " "), err)
		}
	}
}

// result runs a command in JSON output and returns its CommandResult.
func (s *server) result(t *testing.T, u *user, args ...string) *warroom.CommandResult {
	t.Helper()
	var r warroom.CommandResult
	s.json(t, u, &r, args...)
	if r.Incident == nil {
		t.Fatalf("warroom %s: no incident in the result", strings.Join(args, " "))
	}
	return &r
}

// view returns an incident as u sees it.
func (s *server) view(t *testing.T, u *user, ref string) *warroom.IncidentView {
	t.Helper()
	var v warroom.IncidentView
	s.json(t, u, &v, "show", ref)
	return &v
}

// fails runs a command and requires it to fail with the exit code and a
// message on stderr containing want.
func (s *server) fails(t *testing.T, u *user, code int, want string, args ...string) {
	t.Helper()
	r := s.run(u, args...)
	if r.code != code || !strings.Contains(r.stderr, want) {
		t.Fatalf("warroom %s: exit %d, stderr %q; want exit %d and %q", strings.Join(args, " "), r.code, r.stderr, code, want)
	}
}

// api sends a raw HTTP request as u and returns the answer.
func (s *server) api(t *testing.T, u *user, method, path, idemKey string, body any) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if u != nil {
		req.Header.Set("Authorization", "Bearer "+u.token)
	}
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, raw
}

// apiOK sends a raw HTTP request as u, requires the status want, and
// decodes the answer into out (if not nil).
func (s *server) apiOK(t *testing.T, u *user, method, path string, body any, want int, out any) {
	t.Helper()
	resp, raw := s.api(t, u, method, path, "", body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// checkJSONCoverage requires every command that succeeded in text output
// to have succeeded with --output json too.
func (s *server) checkJSONCoverage(t *testing.T) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for name := range s.used["text"] {
		if !s.used["json"][name] {
			t.Errorf("command %q was run in text output only; run it with --output json too", name)
		}
	}
}
