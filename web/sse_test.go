package web

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// sseEvent is one "update" event of a live stream.
type sseEvent struct {
	Head string // "timeline prepend", "incident-state reload", ...
	HTML string
}

// sseClient follows a live stream with the browser's cookies.
type sseClient struct {
	events chan sseEvent
	closed chan struct{}
	cancel context.CancelFunc
	status int
}

// follow opens the stream at path; it fails the test unless the server
// answers 200 (use followStatus for refusals).
func (b *browser) follow(path string) *sseClient {
	b.e.t.Helper()
	c := b.followStatus(path)
	if c.status != http.StatusOK {
		b.e.t.Fatalf("stream %s: status %d", path, c.status)
	}
	return c
}

func (b *browser) followStatus(path string) *sseClient {
	b.e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", b.e.srv.URL+path, nil)
	c := &sseClient{events: make(chan sseEvent, 1024), closed: make(chan struct{}), cancel: cancel}
	client := &http.Client{Jar: b.jar, CheckRedirect: b.c.CheckRedirect}
	resp, err := client.Do(req)
	if err != nil {
		cancel()
		b.e.t.Fatal(err)
	}
	c.status = resp.StatusCode
	b.e.t.Cleanup(cancel)
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		close(c.closed)
		return c
	}
	go func() {
		defer close(c.closed)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		var event string
		var data []string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if event == "update" && len(data) > 0 {
					c.events <- sseEvent{Head: data[0], HTML: strings.Join(data[1:], "\n")}
				}
				event, data = "", nil
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				data = append(data, strings.TrimPrefix(line, "data: "))
			}
		}
	}()
	return c
}

// next returns the next event, failing the test if none comes within
// wait (a bound on a hang, not a speed check).
func (c *sseClient) next(t testing.TB, wait time.Duration) sseEvent {
	t.Helper()
	select {
	case ev := <-c.events:
		return ev
	case <-c.closed:
		select {
		case ev := <-c.events:
			return ev
		default:
		}
		t.Fatal("the stream ended")
	case <-time.After(wait):
		t.Fatalf("no live update within %s", wait)
	}
	return sseEvent{}
}

// until returns the first event whose head starts with prefix.
func (c *sseClient) until(t testing.TB, prefix string, wait time.Duration) sseEvent {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		ev := c.next(t, time.Until(deadline))
		if strings.HasPrefix(ev.Head, prefix) {
			return ev
		}
	}
}
