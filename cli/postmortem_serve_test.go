package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPostmortemSettings: an unknown time zone and an unreadable or
// unparseable patterns file stop the server at start, naming the setting;
// a good file replaces the built-in patterns.
func TestPostmortemSettings(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.txt")
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(good, []byte("# ours\n\\bscrewed up\\b => say what broke\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("([ => x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		cfg  postmortemConfig
		want string
	}{
		{postmortemConfig{TimeZone: "Mars/Olympus"}, "--action-item-time-zone"},
		{postmortemConfig{TimeZone: "UTC", BlamePatterns: filepath.Join(dir, "missing.txt")}, "--blame-patterns"},
		{postmortemConfig{TimeZone: "UTC", BlamePatterns: bad}, "--blame-patterns " + bad + ": line 1"},
	} {
		if err := c.cfg.validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.cfg, err, c.want)
		}
	}
	cfg := postmortemConfig{TimeZone: "Europe/Berlin", BlamePatterns: good}
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	list, err := cfg.patterns()
	if err != nil || len(list) != 1 || list[0].Suggestion != "say what broke" {
		t.Fatalf("patterns %+v %v", list, err)
	}
}
