package cli

import (
	"log/slog"
	"os"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/postmortem"
	"github.com/warroom/warroom/sqlstore"
)

// postmortemConfig is the postmortem part of the server's configuration
// (docs/postmortems.md).
type postmortemConfig struct {
	// TimeZone is the organisation's: action items' target dates are its
	// days, and their reminders go out at 09:00 in it.
	TimeZone string
	// BlamePatterns is a file of blameless-lint patterns, one a line:
	// REGEXP => SUGGESTION; "": the built-in ones.
	BlamePatterns string
}

func defaultPostmortemConfig() postmortemConfig {
	return postmortemConfig{TimeZone: "UTC"}
}

func postmortemSettings() []setting[serveConfig] {
	p := func(f func(*postmortemConfig) any) func(*serveConfig) any {
		return func(c *serveConfig) any { return f(&c.Postmortem) }
	}
	return []setting[serveConfig]{
		{"action-item-time-zone", "IANA time zone whose days action items' target dates are; their reminders go out at 09:00 in it",
			p(func(c *postmortemConfig) any { return &c.TimeZone })},
		{"blame-patterns", "file of blameless-lint patterns, one a line: REGEXP => SUGGESTION; empty: the built-in ones",
			p(func(c *postmortemConfig) any { return &c.BlamePatterns })},
	}
}

// validate reports the first postmortem setting that makes no sense: an
// unknown time zone, an unreadable or unparseable patterns file.
func (c postmortemConfig) validate() error {
	if _, err := time.LoadLocation(c.TimeZone); err != nil {
		return usageErrorf("--action-item-time-zone %q is not an IANA time zone (e.g. Europe/Paris)", c.TimeZone)
	}
	_, err := c.patterns()
	return err
}

// patterns reads the blame patterns file; nil (the built-in ones) when
// none is set.
func (c postmortemConfig) patterns() ([]warroom.BlamePattern, error) {
	if c.BlamePatterns == "" {
		return nil, nil
	}
	f, err := os.Open(c.BlamePatterns)
	if err != nil {
		return nil, usageErrorf("--blame-patterns: %v", err)
	}
	defer f.Close()
	list, err := warroom.ParseBlamePatterns(f)
	if err != nil {
		return nil, usageErrorf("--blame-patterns %s: %s", c.BlamePatterns, warroom.ErrorMessage(err))
	}
	return list, nil
}

// startPostmortems builds the postmortem service on the server's store;
// its reminder jobs run on paging's engine.
func (a *app) startPostmortems(cfg serveConfig, store *sqlstore.Store, baseURL string, log *slog.Logger) (*postmortem.Service, error) {
	loc, err := time.LoadLocation(cfg.Postmortem.TimeZone)
	if err != nil {
		return nil, usageErrorf("--action-item-time-zone %q is not an IANA time zone", cfg.Postmortem.TimeZone)
	}
	patterns, err := cfg.Postmortem.patterns()
	if err != nil {
		return nil, err
	}
	return postmortem.New(postmortem.Config{Store: store, Now: a.now, Policy: cfg.Policy, Location: loc,
		BlamePatterns: patterns, BaseURL: baseURL, Logger: log})
}
