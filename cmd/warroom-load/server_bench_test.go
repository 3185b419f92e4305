package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/warroom/warroom/cli"
)

// BenchmarkServerIntake runs `warroom serve` in this process (so that
// -cpuprofile and -memprofile see the server) on a fresh SQLite database,
// or on WARROOM_BENCH_DB when set (a fresh PostgreSQL database, say), and
// sends b.N Alertmanager webhooks of 100 new alerts each from 32 workers,
// with the paging engine routing them meanwhile, as in production:
//
//	go test ./cmd/warroom-load -run XXX -bench ServerIntake -benchtime 1000x -cpuprofile /tmp/cpu.out
//	go tool pprof -top -cum /tmp/cpu.out
//
// The generator's own work shows in the profile under package main and
// net/http's client; the rest is the server.
func BenchmarkServerIntake(b *testing.B) {
	dsn := os.Getenv("WARROOM_BENCH_DB")
	if dsn == "" {
		dsn = "sqlite:" + filepath.Join(b.TempDir(), "warroom.db")
	}
	server, token := serveInProcess(b, dsn)
	cfg := config{server: server, token: token, service: "bench", kind: kindAlertmanager, batch: 100, concurrency: 32,
		duration: time.Hour, requests: int64(b.N), severity: "warning", timeout: time.Minute, pageInterval: time.Second}
	if err := cfg.validate(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	rep, err := execute(context.Background(), cfg, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if rep.Accepted != int64(b.N) {
		b.Fatalf("%d of %d requests answered 2xx: %v", rep.Accepted, b.N, rep.Errors)
	}
	b.ReportMetric(rep.AlertsPerSec, "alerts/s")
	b.ReportMetric(float64(rep.Latency.P99)/float64(time.Millisecond), "p99-ms")
}

var listening = regexp.MustCompile(`warroom listening on (http://\S+)`)
var exportToken = regexp.MustCompile(`export WARROOM_TOKEN=(wr_\S+)`)

// serveInProcess starts `warroom serve` on 127.0.0.1:0 in this process,
// bootstraps an admin and returns the server's URL and the admin's token.
// Cleanup stops the server.
func serveInProcess(b testing.TB, dsn string) (string, string) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- cli.Execute(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--db", dsn,
			"--webhook-secret", "bench-webhook-secret"}, pw, io.Discard)
		pw.Close()
	}()
	b.Cleanup(func() {
		cancel()
		<-done
	})
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	var url string
	select {
	case url = <-urls:
	case code := <-done:
		b.Fatalf("warroom serve exited with %d", code)
	case <-time.After(time.Minute):
		b.Fatal("warroom serve did not listen within a minute")
	}
	pr2, pw2 := io.Pipe()
	go func() {
		cli.Execute(context.Background(), []string{"bootstrap", "--db", dsn, "--handle", "bench", "--name", "Bench",
			"--email", "bench@example.com"}, pw2, io.Discard)
		pw2.Close()
	}()
	out, _ := io.ReadAll(pr2)
	m := exportToken.FindSubmatch(out)
	if m == nil {
		b.Fatalf("bootstrap printed no token:\n%s", out)
	}
	resp, err := http.Get(url + "/healthz")
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	return url, string(m[1])
}
