package cli

import (
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/comms"
	"github.com/warroom/warroom/engine"
	"github.com/warroom/warroom/notify"
	"github.com/warroom/warroom/sqlstore"
)

// commsConfig is the communications part of the server's configuration
// (docs/communications.md): the update cadence beside the policy's
// customer-update-interval.
type commsConfig struct {
	InternalUpdateInterval time.Duration // internal cadence of major incidents
	UpdateReminderLead     time.Duration // how long before a deadline the owner is reminded
	UpdateCadence          cadenceSetting
}

func defaultCommsConfig() commsConfig {
	return commsConfig{InternalUpdateInterval: 30 * time.Minute, UpdateReminderLead: 5 * time.Minute}
}

func commsSettings() []setting[serveConfig] {
	p := func(f func(*commsConfig) any) func(*serveConfig) any {
		return func(c *serveConfig) any { return f(&c.Comms) }
	}
	return []setting[serveConfig]{
		{"internal-update-interval", "internal updates of a major incident are due this often; 0: none", p(func(c *commsConfig) any { return &c.InternalUpdateInterval })},
		{"update-reminder-lead", "how long before an update is due its owner is reminded", p(func(c *commsConfig) any { return &c.UpdateReminderLead })},
		{"update-cadence", "per-severity update cadence replacing the defaults, SEV=INTERNAL/CUSTOMER[,...], e.g. SEV1=15m/30m,SEV4=0/2h (0: none)",
			p(func(c *commsConfig) any { return &c.UpdateCadence })},
	}
}

// cadence returns the cadence policy of the configuration and policy.
func (c commsConfig) cadence(p warroom.Policy) warroom.CadencePolicy {
	cp := warroom.DefaultCadencePolicy(p)
	cp.MajorInternal, cp.ReminderLead = c.InternalUpdateInterval, c.UpdateReminderLead
	if len(c.UpdateCadence) > 0 {
		cp.BySeverity = map[warroom.Severity]warroom.Cadence(c.UpdateCadence)
	}
	return cp
}

// validate reports the first setting that makes no sense.
func (c commsConfig) validate(p warroom.Policy) error {
	if err := c.cadence(p).Validate(); err != nil {
		return usageErrorf("%s (--%s)", warroom.ErrorMessage(err), strings.ReplaceAll(warroom.ErrorField(err), "_", "-"))
	}
	return nil
}

// cadenceSetting is --update-cadence: SEV=INTERNAL/CUSTOMER, comma-separated.
type cadenceSetting map[warroom.Severity]warroom.Cadence

// Set parses the setting.
func (s *cadenceSetting) Set(v string) error {
	out := cadenceSetting{}
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		sev, rest, ok := strings.Cut(part, "=")
		in, cu, ok2 := strings.Cut(rest, "/")
		severity, err := parseSeverity(strings.TrimSpace(sev))
		if !ok || !ok2 || err != nil {
			return fmt.Errorf("%q is not SEV=INTERNAL/CUSTOMER, e.g. SEV1=15m/30m", part)
		}
		var c warroom.Cadence
		for _, f := range []struct {
			text string
			d    *time.Duration
		}{{in, &c.Internal}, {cu, &c.Customer}} {
			if *f.d, err = time.ParseDuration(strings.TrimSpace(f.text)); err != nil || *f.d < 0 {
				return fmt.Errorf("%q: %q is not a duration like \"30m\" (0 for none)", part, f.text)
			}
		}
		if _, dup := out[severity]; dup {
			return fmt.Errorf("%s is given twice", severity)
		}
		out[severity] = c
	}
	*s = out
	return nil
}

// String writes the setting back in the form Set reads.
func (s *cadenceSetting) String() string {
	var parts []string
	for _, sev := range slices.Sorted(maps.Keys(*s)) {
		c := (*s)[sev]
		parts = append(parts, fmt.Sprintf("%s=%s/%s", sev, warroom.ShortDuration(c.Internal), warroom.ShortDuration(c.Customer)))
	}
	return strings.Join(parts, ",")
}

// startComms builds communications on the server's store: updates,
// customers and their deliveries (by the notifiers of paging), and the
// jobs the engine runs for them. hook (nil without chat) posts its
// notices into the incident channels.
func (a *app) startComms(cfg serveConfig, store *sqlstore.Store, incidents *warroom.Incidents, sender *notify.Registry, log *slog.Logger, hook comms.Hook) (*comms.Service, error) {
	return comms.New(comms.Config{Store: store, Incidents: incidents, Now: a.now, Policy: cfg.Policy,
		Cadence: cfg.Comms.cadence(cfg.Policy), Sender: sender, Logger: log, Hook: hook})
}

// bothReactors schedules the jobs of paging and of comms for every
// incident command, in its transaction.
func bothReactors(a, b sqlstore.IncidentReactor) sqlstore.IncidentReactor {
	return func(inc *warroom.Incident, events []warroom.Event) []engine.Job {
		return append(a(inc, events), b(inc, events)...)
	}
}
