package warroom

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Duration is a time.Duration that reads and writes as text ("4h", "15m")
// in JSON, so API bodies and config files say what they mean.
type Duration time.Duration

// MarshalJSON writes the duration as Go duration text.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads Go duration text ("90m") or a number of seconds.
// A JSON null leaves the duration unchanged, as encoding/json does for
// other types.
func (d *Duration) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var secs float64
		if err := json.Unmarshal(b, &secs); err != nil {
			return fmt.Errorf("duration must be text like \"4h\" or a number of seconds")
		}
		*d = Duration(secs * float64(time.Second))
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q is not like \"4h\" or \"90m\"", s)
	}
	*d = Duration(v)
	return nil
}

// validURL accepts absolute http(s) URLs only: links end up as clickable
// hrefs, so javascript: and relative URLs are refused.
func validURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http or https URL", s)
	}
	return nil
}

// ShortDuration writes d as Go duration text without its zero tails:
// "4h", "10m", "1h30m" (not "4h0m0s"), as settings and messages give it.
func ShortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
