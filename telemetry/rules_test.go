package telemetry

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// prometheusBuiltins are series Prometheus makes itself, which rules may
// use beside warroom's.
var prometheusBuiltins = []string{"up"}

// seriesName matches the metric names in a PromQL expression: words
// followed by a selector, a range or the end of a term, that are not
// functions or keywords.
var seriesName = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)

var promqlWords = []string{"sum", "by", "rate", "increase", "max", "and", "or", "unless", "histogram_quantile",
	"le", "instance", "channel", "queue", "integration_kind", "reason", "job", "severity", "stage", "method",
	"route", "code", "without", "on", "ignoring", "m", "s", "h", "d", "warroom", "page", "outbox", "invalid",
	"unknown_integration", "unavailable", "e", "service"}

// referencedSeries returns the metric names an expression uses, each
// reduced to its family (a histogram's _bucket, _sum and _count series
// belong to it).
func referencedSeries(expr string) []string {
	// Label values and matchers are quoted, Grafana's variables start
	// with $: drop them first.
	expr = regexp.MustCompile(`"[^"]*"|\$[a-zA-Z_]+`).ReplaceAllString(expr, `""`)
	var out []string
	for _, w := range seriesName.FindAllString(expr, -1) {
		if slices.Contains(promqlWords, w) {
			continue
		}
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			w = strings.TrimSuffix(w, suffix)
		}
		out = append(out, w)
	}
	return out
}

// TestPrometheusRules: deploy/prometheus/warroom-rules.yml is a rules file
// Prometheus loads (groups of rules, each an alert with an expression, a
// duration, a severity and a summary), and every series it uses is one
// warroom exports.
func TestPrometheusRules(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "deploy", "prometheus", "warroom-rules.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Alert       string            `yaml:"alert"`
				Expr        string            `yaml:"expr"`
				For         string            `yaml:"for"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	dec.KnownFields(true) // a misspelt key is an error, as in Prometheus
	if err := dec.Decode(&file); err != nil {
		t.Fatalf("rules do not parse: %v", err)
	}
	exported := append(New(nil, nil, nil).Names(), prometheusBuiltins...)
	used := map[string]bool{}
	alerts := map[string]bool{}
	for _, g := range file.Groups {
		if g.Name == "" || len(g.Rules) == 0 {
			t.Errorf("group %q is unnamed or empty", g.Name)
		}
		for _, r := range g.Rules {
			switch {
			case r.Alert == "" || alerts[r.Alert]:
				t.Errorf("rule %q: no name, or a name used twice", r.Alert)
			case strings.TrimSpace(r.Expr) == "" || strings.Count(r.Expr, "(") != strings.Count(r.Expr, ")"):
				t.Errorf("%s: expression %q is empty or unbalanced", r.Alert, r.Expr)
			case !regexp.MustCompile(`^[0-9]+[smh]$`).MatchString(r.For):
				t.Errorf("%s: for %q is not a duration", r.Alert, r.For)
			case r.Labels["severity"] != "critical" && r.Labels["severity"] != "warning":
				t.Errorf("%s: severity %q", r.Alert, r.Labels["severity"])
			case r.Annotations["summary"] == "":
				t.Errorf("%s: no summary", r.Alert)
			}
			alerts[r.Alert] = true
			for _, s := range referencedSeries(r.Expr) {
				if !slices.Contains(exported, s) {
					t.Errorf("%s uses %s, which warroom does not export (it exports %v)", r.Alert, s, exported)
				}
				used[s] = true
			}
		}
	}
	// What the issue asks the rules to watch: pages failing, engine lag,
	// intake refusing.
	for _, s := range []string{"warroom_pages_failed_total", "warroom_engine_lag_seconds", "warroom_alert_deliveries_refused_total"} {
		if !used[s] {
			t.Errorf("no rule watches %s", s)
		}
	}
}

// TestGrafanaDashboard: deploy/grafana/warroom-dashboard.json is a
// dashboard Grafana imports (JSON with panels of Prometheus targets), and
// every series its queries use is one warroom exports.
func TestGrafanaDashboard(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "deploy", "grafana", "warroom-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string `json:"title"`
		UID    string `json:"uid"`
		Panels []struct {
			Title   string `json:"title"`
			Type    string `json:"type"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("dashboard is not JSON: %v", err)
	}
	if dash.Title == "" || dash.UID == "" || len(dash.Panels) < 6 {
		t.Fatalf("dashboard %q (uid %q) with %d panels", dash.Title, dash.UID, len(dash.Panels))
	}
	exported := New(nil, nil, nil).Names()
	shown := map[string]bool{}
	for _, p := range dash.Panels {
		if p.Title == "" || len(p.Targets) == 0 {
			t.Errorf("panel %q has no title or no query", p.Title)
		}
		for _, tg := range p.Targets {
			for _, s := range referencedSeries(tg.Expr) {
				if !slices.Contains(exported, s) {
					t.Errorf("panel %q uses %s, which warroom does not export", p.Title, s)
				}
				shown[s] = true
			}
		}
	}
	for _, s := range exported {
		if !shown[s] {
			t.Errorf("no panel shows %s", s)
		}
	}
}
