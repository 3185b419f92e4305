package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/warroom/warroom"
)

// parseServeFlags returns a serve config resolved from args, env and a
// config file holding file (JSON), like `warroom serve` does.
func parseServeFlags(t *testing.T, args []string, env map[string]string, file string) (serveConfig, error) {
	t.Helper()
	cmd := &cobra.Command{Use: "serve", RunE: func(*cobra.Command, []string) error { return nil }}
	addFlags(cmd.Flags(), serveSettings(), defaultServeConfig())
	if err := cmd.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	src := sources{flags: cmd.Flags(), getenv: func(k string) string { return env[k] }}
	if file != "" {
		path := filepath.Join(t.TempDir(), "warroom.json")
		if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
			t.Fatal(err)
		}
		keys := map[string]bool{}
		addKeys(keys, serveSettings())
		var err error
		if src.file, err = readConfigFile(path, keys); err != nil {
			return serveConfig{}, err
		}
	}
	cfg := defaultServeConfig()
	err := apply(&cfg, serveSettings(), src)
	return cfg, err
}

func TestServeSettingsPrecedence(t *testing.T) {
	file := `{"listen": "127.0.0.1:1111", "db": "sqlite:file.db", "major_duration": "2h", "major_teams": 3}`
	env := map[string]string{"WARROOM_LISTEN": "127.0.0.1:2222", "WARROOM_MAJOR_DURATION": "3h"}
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		file     string
		listen   string
		db       string
		duration time.Duration
		teams    int
	}{
		{"defaults", nil, nil, "", "127.0.0.1:8080", "sqlite:warroom.db", 4 * time.Hour, 1},
		{"file over defaults", nil, nil, file, "127.0.0.1:1111", "sqlite:file.db", 2 * time.Hour, 3},
		{"env over file", nil, env, file, "127.0.0.1:2222", "sqlite:file.db", 3 * time.Hour, 3},
		{"flags over env", []string{"--listen", "127.0.0.1:0", "--major-teams", "5"}, env, file, "127.0.0.1:0", "sqlite:file.db", 3 * time.Hour, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseServeFlags(t, tt.args, tt.env, tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Listen != tt.listen || cfg.Database != tt.db || cfg.Policy.MajorDuration != tt.duration || cfg.Policy.MajorTeams != tt.teams {
				t.Errorf("got listen %s db %s duration %s teams %d", cfg.Listen, cfg.Database, cfg.Policy.MajorDuration, cfg.Policy.MajorTeams)
			}
			if err := cfg.validate(); err != nil {
				t.Errorf("validate: %v", err)
			}
		})
	}
}

func TestServeSettingsErrorsNameTheSource(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		file string
		want string
	}{
		{"bad flag value", []string{"--major-duration", "soon"}, nil, "", "flag --major-duration"},
		{"bad env value", nil, map[string]string{"WARROOM_MAJOR_TEAMS": "many"}, "", "environment variable WARROOM_MAJOR_TEAMS"},
		{"bad file value", nil, nil, `{"major_severity": "SEV9"}`, "config file key major_severity"},
		{"unknown file key", nil, nil, `{"listne": "x"}`, `unknown key "listne"`},
		{"file value not scalar", nil, nil, `{"listen": ["x"]}`, "string or a number"},
		{"file not an object", nil, nil, `[1]`, "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseServeFlags(t, tt.args, tt.env, tt.file)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to mention %q", err, tt.want)
			}
			if _, ok := err.(*usageError); !ok {
				t.Errorf("error %T is not a usage error", err)
			}
		})
	}
}

func TestServeConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*serveConfig)
		want   string
	}{
		{"policy", func(c *serveConfig) { c.Policy.MajorTeams = 0 }, "--major-teams"},
		{"public URL", func(c *serveConfig) { c.PublicURL = "warroom.example.com" }, "--public-url"},
		{"bridge URL", func(c *serveConfig) { c.BridgeURL = "meet/{number}" }, "--bridge-url"},
		{"sweep", func(c *serveConfig) { c.SweepInterval = 0 }, "--sweep-interval"},
		{"body limit", func(c *serveConfig) { c.MaxBodyBytes = 10 }, "--max-body-bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := defaultServeConfig()
			tt.change(&cfg)
			if err := cfg.validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("validate = %v, want an error naming %s", err, tt.want)
			}
		})
	}
	cfg := defaultServeConfig()
	cfg.BridgeURL = ""
	if err := cfg.validate(); err != nil {
		t.Errorf("empty bridge URL (no bridge links) refused: %v", err)
	}
}

func TestSettingNames(t *testing.T) {
	if got := envName("major-duration"); got != "WARROOM_MAJOR_DURATION" {
		t.Errorf("envName = %s", got)
	}
	if got := fileKey("public-url"); got != "public_url" {
		t.Errorf("fileKey = %s", got)
	}
	for _, d := range []struct {
		in   time.Duration
		want string
	}{{4 * time.Hour, "4h"}, {90 * time.Minute, "1h30m"}, {30 * time.Second, "30s"}, {10 * time.Minute, "10m"}} {
		if got := warroom.ShortDuration(d.in); got != d.want {
			t.Errorf("warroom.ShortDuration(%s) = %s, want %s", d.in, got, d.want)
		}
	}
	var sev warroom.Severity
	if err := parseInto(&sev, "sev1"); err != nil || sev != warroom.SEV1 {
		t.Errorf("parseInto severity = %s, %v", sev, err)
	}
}

// --alert-incident-limit is read from each source, and a bad value names
// where it came from.
func TestAlertIncidentLimitSetting(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		file string
		want warroom.AlertIncidentLimit
	}{
		{"default", nil, nil, "", warroom.AlertIncidentLimit{Count: 3, Window: 10 * time.Minute}},
		{"config file", nil, nil, `{"alert_incident_limit": "5/1h"}`, warroom.AlertIncidentLimit{Count: 5, Window: time.Hour}},
		{"environment", nil, map[string]string{"WARROOM_ALERT_INCIDENT_LIMIT": "2/5m"}, `{"alert_incident_limit": "5/1h"}`, warroom.AlertIncidentLimit{Count: 2, Window: 5 * time.Minute}},
		{"flag", []string{"--alert-incident-limit", "off"}, map[string]string{"WARROOM_ALERT_INCIDENT_LIMIT": "2/5m"}, "", warroom.AlertIncidentLimit{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseServeFlags(t, tt.args, tt.env, tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Policy.AlertIncidentLimit != tt.want {
				t.Errorf("limit = %v, want %v", cfg.Policy.AlertIncidentLimit, tt.want)
			}
			if err := cfg.validate(); err != nil {
				t.Errorf("validate: %v", err)
			}
		})
	}
	_, err := parseServeFlags(t, nil, map[string]string{"WARROOM_ALERT_INCIDENT_LIMIT": "3 per 10m"}, "")
	if err == nil || !strings.Contains(err.Error(), "environment variable WARROOM_ALERT_INCIDENT_LIMIT") {
		t.Errorf("bad value: %v", err)
	}
}
