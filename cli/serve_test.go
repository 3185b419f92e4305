package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunServerWaitsForWorkers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var stopped atomic.Bool
	started := make(chan struct{})
	done := make(chan error)
	go func() {
		done <- runServer(ctx, &http.Server{Handler: http.NotFoundHandler()}, ln, time.Second, func(ctx context.Context) {
			close(started)
			<-ctx.Done()
			stopped.Store(true)
		})
	}()
	<-started
	cancel()
	if err := <-done; err != nil {
		t.Errorf("runServer after cancel = %v, want nil", err)
	}
	if !stopped.Load() {
		t.Error("runServer returned before its worker stopped")
	}
}

// TestServeInProcess starts `warroom serve` through Execute on a free
// port with a fresh SQLite file, bootstraps an admin while it runs, talks
// to it, and stops it as SIGINT would.
func TestServeInProcess(t *testing.T) {
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
		// Drain the pipe to its end so the server never blocks writing.
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var url string
	var announcement []string
	for l := range lines {
		announcement = append(announcement, l)
		if m := regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(l); m != nil {
			url = m[1]
			break
		}
	}
	if url == "" || !strings.Contains(strings.Join(announcement, "\n"), "warroom bootstrap --db "+dsn) {
		t.Fatalf("announcement lacks the URL or the bootstrap command:\n%s", strings.Join(announcement, "\n"))
	}

	out, errOut, code := runCLI(t, nil, "bootstrap", "--db", dsn, "--email", "admin@example.com", "--output", "json")
	if code != 0 {
		t.Fatalf("bootstrap: exit %d: %s", code, errOut)
	}
	var boot struct{ Secret string }
	if err := json.Unmarshal([]byte(out), &boot); err != nil || !strings.HasPrefix(boot.Secret, "wr_") {
		t.Fatalf("bootstrap output %q: %v", out, err)
	}
	out, errOut, code = runCLI(t, map[string]string{"WARROOM_SERVER": url, "WARROOM_TOKEN": boot.Secret}, "whoami")
	if code != 0 || !strings.Contains(out, "@admin") {
		t.Fatalf("whoami: exit %d: %s%s", code, out, errOut)
	}
	_, errOut, code = runCLI(t, nil, "bootstrap", "--db", dsn, "--email", "other@example.com")
	if code == 0 || !strings.Contains(errOut, "--force-new-admin") {
		t.Errorf("second bootstrap: exit %d: %s", code, errOut)
	}

	cancel()
	if code := <-exit; code != 0 {
		t.Errorf("serve exited %d after shutdown, want 0", code)
	}
}
