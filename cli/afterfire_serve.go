package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/afterfire"
	"github.com/warroom/warroom/alertmanager"
	"github.com/warroom/warroom/notify"
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
	// TimeZone is the organisation's, in which business days are counted;
	// Weekend its weekend days; HolidayCalendar the holiday calendar of
	// incidents whose owner's team has none.
	TimeZone        string
	Weekend         weekendSetting
	HolidayCalendar string
}

func defaultAfterFireConfig() afterFireConfig {
	return afterFireConfig{TimeZone: "UTC", Weekend: weekendSetting(warroom.DefaultWeekend)}
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
		{"org-time-zone", "the organisation's time zone (IANA name), in which business days are counted",
			func(c *serveConfig) any { return &c.AfterFire.TimeZone }},
		{"weekend", "the organisation's weekend days, e.g. sat,sun or fri,sat; none for none",
			func(c *serveConfig) any { return &c.AfterFire.Weekend }},
		{"holiday-calendar", "the holiday calendar (imported with warroom calendar import) of incidents whose Incident Owner's team has none; empty: weekends only",
			func(c *serveConfig) any { return &c.AfterFire.HolidayCalendar }},
	}
}

// validate reports the first after-the-fire setting that makes no sense.
func (c afterFireConfig) validate() error {
	if _, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "" {
		return usageErrorf("--org-time-zone %q is not a time zone like Europe/Berlin or UTC", c.TimeZone)
	}
	if c.HolidayCalendar != "" {
		if err := warroom.ValidCalendarName(c.HolidayCalendar); err != nil {
			return usageErrorf("--holiday-calendar: %s", warroom.ErrorMessage(err))
		}
	}
	return nil
}

// afterFireService builds the service the API, the web UI and the
// engine share; notifiers send the review's invitations when they can
// email.
func afterFireService(cfg serveConfig, store *sqlstore.Store, incidents *warroom.Incidents, notifiers *notify.Registry) (*afterfire.Service, error) {
	loc, err := time.LoadLocation(cfg.AfterFire.TimeZone)
	if err != nil {
		return nil, err
	}
	c := afterfire.Config{Incidents: incidents, Updates: store, Alerts: store, Chat: store,
		Review: afterfire.ReviewConfig{Store: store, Location: loc, Weekend: cfg.AfterFire.Weekend, DefaultCalendar: cfg.AfterFire.HolidayCalendar}}
	if len(cfg.AfterFire.AlertmanagerURLs) > 0 {
		c.Silences = &alertmanager.Client{URLs: cfg.AfterFire.AlertmanagerURLs}
	}
	if notifiers != nil {
		if _, ok := notifiers.Notifier(notify.ChannelEmail); ok {
			c.Review.Sender = notifiers
		}
	}
	return afterfire.New(c)
}

// weekendSetting is --weekend.
type weekendSetting []time.Weekday

func (w *weekendSetting) Set(s string) error {
	days, err := warroom.ParseWeekend(s)
	if err != nil {
		return err
	}
	*w = days
	return nil
}

func (w *weekendSetting) String() string {
	if len(*w) == 0 {
		return "none"
	}
	out := make([]string, len(*w))
	for i, d := range *w {
		out[i] = strings.ToLower(d.String()[:3])
	}
	return strings.Join(out, ",")
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
