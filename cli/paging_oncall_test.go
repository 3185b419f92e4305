package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestScheduleShiftLengthsAndDST drives `warroom serve` with the schedule
// commands: any shift length from 1m is accepted and shown with how it
// hands over, bad lengths are refused with the server's precise message,
// and during a fall-back handoff overlap `schedule oncall` names both
// people.
func TestScheduleShiftLengthsAndDST(t *testing.T) {
	url, _, token := startServe(t)
	c := cliRunner{t, map[string]string{"WARROOM_SERVER": url, "WARROOM_TOKEN": token}}
	c.ok("user", "create", "--handle", "ada", "--name", "Ada", "--email", "ada@example.com")
	c.ok("user", "create", "--handle", "bob", "--name", "Bob", "--email", "bob@example.com")
	dir := t.TempDir()
	file := func(name, zone, start, shift string) string {
		t.Helper()
		path := filepath.Join(dir, name+".json")
		body := `{"name":"` + name + `","time_zone":"` + zone + `","layers":[{"name":"l","start":"` + start +
			`","shift":"` + shift + `","participants":["ada","bob"]}]}`
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}

	for name, c2 := range map[string]struct{ shift, shown string }{
		"ninety":   {"90m", "90m shifts (elapsed time)"},
		"long":     {"36h", "36h shifts (elapsed time)"},
		"day":      {"24h", "1d shifts (same wall-clock handoff time)"},
		"ten-days": {"10d", "10d shifts (same wall-clock handoff time)"},
		"fortnite": {"2w", "2w shifts (same wall-clock handoff time)"},
	} {
		if out := c.ok("schedule", "create", "--file", file(name, "UTC", "2026-01-01T00:00", c2.shift)); !strings.Contains(out, "layer l: "+c2.shown+" from 2026-01-01T00:00") {
			t.Errorf("schedule create with %s:\n%s", c2.shift, out)
		}
	}
	var oc struct {
		Shifts []struct{ Start, End time.Time }
	}
	c.json(&oc, "schedule", "oncall", "ninety", "--at", "2026-01-01T00:00:00Z", "--days", "1")
	if len(oc.Shifts) != 16 || oc.Shifts[1].Start != time.Date(2026, 1, 1, 1, 30, 0, 0, time.UTC) || oc.Shifts[1].End.Sub(oc.Shifts[1].Start) != 90*time.Minute {
		t.Errorf("90m shifts over a day: %+v", oc.Shifts)
	}

	for shift, msg := range map[string]string{
		"0m":  `shift length "0m" is zero; it must be at least 1m`,
		"-1d": `shift length "-1d" is negative; it must be at least 1m`,
		"30s": `shift length "30s" is shorter than the minimum 1m`,
		"1x":  `shift length "1x" is not a length like 90m, 12h, 1h30m, 1d or 2w (units m, h, d, w)`,
	} {
		out, errOut, code := runCLI(t, c.env, "schedule", "create", "--file", file("bad", "UTC", "2026-01-01T00:00", shift))
		if code != 1 || !strings.Contains(errOut, msg) || !strings.Contains(errOut, "layers[0].shift") {
			t.Errorf("shift %q: exit %d\n%s%s", shift, code, out, errOut)
		}
	}

	// Berlin, daily at 02:30: on 25 October 2026 (ada's day 0 the 24th)
	// both are on call from the first 02:30 (CEST) to the last (CET).
	c.ok("schedule", "create", "--file", file("nights", "Europe/Berlin", "2026-10-24T02:30", "1d"))
	for at, want := range map[string]string{
		"2026-10-25T00:29:00Z": "nights at 2026-10-25 02:29 CEST: @ada (Ada)\n",
		"2026-10-25T00:30:00Z": "nights at 2026-10-25 02:30 CEST: @ada (Ada), @bob (Bob) (handoff overlap: all are on call and paged)\n",
		"2026-10-25T01:29:00Z": "nights at 2026-10-25 02:29 CET: @ada (Ada), @bob (Bob) (handoff overlap: all are on call and paged)\n",
		"2026-10-25T01:30:00Z": "nights at 2026-10-25 02:30 CET: @bob (Bob)\n",
	} {
		if out := c.ok("schedule", "oncall", "nights", "--at", at); out != want {
			t.Errorf("oncall at %s: %q, want %q", at, out, want)
		}
	}
	out := c.ok("schedule", "oncall", "nights", "--at", "2026-10-24T22:00:00Z", "--days", "1")
	for _, want := range []string{
		"2026-10-25 00:00 CEST  2026-10-25 02:30 CET  @ada",
		"2026-10-25 02:30 CEST  2026-10-25 23:00 CET  @bob",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("oncall --days lacks %q:\n%s", want, out)
		}
	}
}
