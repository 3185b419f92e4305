package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/afterfire"
	"github.com/warroom/warroom/alertmanager"
	"github.com/warroom/warroom/sqlstore"
)

// afterFireConfig is the after-the-fire part of the server's
// configuration (docs/after-the-fire.md) beside the policy's
// handoff-grace, handoff-grace-mode and baseline-gate.
type afterFireConfig struct {
	// AlertmanagerURLs are the Alertmanagers asked for silences when the
	// return to baseline is checked; none: the check says so and people
	// confirm by hand.
	AlertmanagerURLs urlListSetting
}

// servePolicy is the policy warroom serve starts from: the documented
// defaults, with the return to baseline checked (the library's
// DefaultPolicy leaves the gate off so that programs that only record
// stages keep working).
func servePolicy() warroom.Policy {
	p := warroom.DefaultPolicy()
	p.BaselineGate = true
	return p
}

func afterFireSettings() []setting[serveConfig] {
	return []setting[serveConfig]{
		{"handoff-grace-mode", "policy: after handoff-grace, hands-on work by outgoing people is refused (refuse) or recorded with a warning (warn)",
			func(c *serveConfig) any { return (*graceModeSetting)(&c.Policy.HandoffGraceMode) }},
		{"baseline-gate", "policy: the baseline stage completes only through the checked return to baseline (checklist, Alertmanager silences), true or false",
			func(c *serveConfig) any { return (*boolSetting)(&c.Policy.BaselineGate) }},
		{"alertmanager-url", "Alertmanager base URL asked for silences at the return to baseline; repeat for several",
			func(c *serveConfig) any { return &c.AfterFire.AlertmanagerURLs }},
	}
}

// afterFireService builds the service the API and the web UI share.
func afterFireService(cfg serveConfig, store *sqlstore.Store, incidents *warroom.Incidents) (*afterfire.Service, error) {
	c := afterfire.Config{Incidents: incidents, Updates: store, Alerts: store, Chat: store}
	if len(cfg.AfterFire.AlertmanagerURLs) > 0 {
		c.Silences = &alertmanager.Client{URLs: cfg.AfterFire.AlertmanagerURLs}
	}
	return afterfire.New(c)
}

// graceModeSetting is --handoff-grace-mode: refuse or warn.
type graceModeSetting string

func (s *graceModeSetting) Set(v string) error {
	v = strings.ToLower(strings.TrimSpace(v))
	if v != warroom.HandoffGraceRefuse && v != warroom.HandoffGraceWarn {
		return fmt.Errorf("%q: write refuse or warn", v)
	}
	*s = graceModeSetting(v)
	return nil
}

func (s *graceModeSetting) String() string {
	if *s == "" {
		return warroom.HandoffGraceRefuse
	}
	return string(*s)
}

// boolSetting is a true/false setting.
type boolSetting bool

func (b *boolSetting) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("%q: write true or false", s)
	}
	*b = boolSetting(v)
	return nil
}

func (b *boolSetting) String() string { return strconv.FormatBool(bool(*b)) }

// urlListSetting is a repeatable list of http(s) URLs.
type urlListSetting []string

func (l *urlListSetting) Set(s string) error {
	var out urlListSetting
	for _, u := range strings.Split(s, listSeparator) {
		u = strings.TrimSpace(u)
		if u == "" {
			continue
		}
		if !isHTTPURL(u) {
			return fmt.Errorf("%q is not an http(s) URL", alertmanager.Redacted(u))
		}
		out = append(out, u)
	}
	*l = out
	return nil
}

func (l *urlListSetting) String() string {
	out := make([]string, len(*l))
	for i, u := range *l {
		out[i] = alertmanager.Redacted(u)
	}
	return strings.Join(out, listSeparator)
}

func (*urlListSetting) repeatable() {}
