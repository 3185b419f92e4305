package chat_test

import (
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// BenchmarkSlashCommand measures how long a slash command takes to be
// answered over HTTP (signature check, user and incident lookups, the job
// scheduled for a write), on SQLite, and reports its p50 and p99: Slack
// gives 3 seconds, warroom aims under 200 ms.
//
//	go test ./chat -run '^$' -bench SlashCommand -benchtime 2000x
func BenchmarkSlashCommand(b *testing.B) {
	e := newEnv(b, "sqlite:"+filepath.Join(b.TempDir(), "w.db"))
	srv := e.chatServer()
	e.declare("ada", warroom.Declaration{Title: "bench", Severity: "SEV3"})
	e.run()
	ch := e.fake.Channel("inc1")
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		text := fmt.Sprintf("note bench %d", i)
		if i%2 == 1 {
			text = "status"
		}
		form := url.Values{"command": {"/inc"}, "text": {text}, "user_id": {"UA"}, "channel_id": {ch.ID},
			"response_url": {e.fake.ResponseURL(fmt.Sprint("b", i))}}
		start := time.Now()
		resp, body := signedPost(b, srv.URL+"/api/v1/chat/commands", form, time.Now().Unix(), signingSecret)
		lat = append(lat, time.Since(start))
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("%d %s", resp.StatusCode, body)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
