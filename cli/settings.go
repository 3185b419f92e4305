package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/warroom/warroom"
)

// setting is one configurable value of a config struct C. A setting has
// one name from which its three sources are derived, so they cannot drift
// apart: the flag --NAME, the environment variable WARROOM_NAME (dashes
// become underscores, upper case) and the config file key name (dashes
// become underscores).
type setting[C any] struct {
	name  string
	usage string
	// ptr returns the field the setting fills: *string, *int, *int64,
	// *float64, *time.Duration, *warroom.Severity or a valueSetting.
	ptr func(*C) any
}

// valueSetting is a setting with a syntax of its own (--throttle): it
// parses itself from the text of its source, and shows its value in the
// help. Its errors name what is wrong; apply adds where it came from.
type valueSetting interface {
	Set(string) error
	String() string
}

// repeatable is a valueSetting whose flag may be given several times;
// Set gets the flags' values joined with listSeparator, which separates
// them in its environment variable and config file key too.
type repeatable interface {
	valueSetting
	repeatable()
}

const listSeparator = ";"

// envName returns the environment variable of a setting name.
func envName(name string) string {
	return "WARROOM_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// fileKey returns the config file key of a setting name.
func fileKey(name string) string { return strings.ReplaceAll(name, "-", "_") }

// flagSet is the part of a cobra command's flags that settings read; an
// interface so this file does not import pflag, which go.mod holds only
// indirectly.
type flagSet interface {
	Changed(name string) bool
	GetString(name string) (string, error)
	GetStringArray(name string) ([]string, error)
}

// sources are where setting values come from, in order of precedence:
// flags, then environment, then the config file; defaults are what the
// config struct held before.
type sources struct {
	flags  flagSet
	getenv func(string) string
	file   map[string]string
}

// apply fills c from the sources. An error names the source of the bad
// value, so the user knows which of flag, environment or file to fix.
func apply[C any](c *C, table []setting[C], src sources) error {
	for _, s := range table {
		_, list := s.ptr(c).(repeatable)
		v, from, ok := src.lookup(s.name, list)
		if !ok {
			continue
		}
		if err := parseInto(s.ptr(c), v); err != nil {
			return usageErrorf("%s: %v", from, err)
		}
	}
	return nil
}

// lookup returns the highest-precedence value of a setting and where it
// came from; the values of a repeated flag (list) joined.
func (src sources) lookup(name string, list bool) (value, from string, ok bool) {
	if src.flags != nil && src.flags.Changed(name) {
		if list {
			vs, _ := src.flags.GetStringArray(name)
			return strings.Join(vs, listSeparator), "flag --" + name, true
		}
		v, _ := src.flags.GetString(name)
		return v, "flag --" + name, true
	}
	if v := src.getenv(envName(name)); v != "" {
		return v, "environment variable " + envName(name), true
	}
	if v, ok := src.file[fileKey(name)]; ok {
		return v, "config file key " + fileKey(name), true
	}
	return "", "", false
}

// parseInto parses s into the field ptr points at.
func parseInto(ptr any, s string) error {
	var err error
	switch p := ptr.(type) {
	case *string:
		*p = s
	case *int:
		*p, err = strconv.Atoi(s)
	case *int64:
		*p, err = strconv.ParseInt(s, 10, 64)
	case *float64:
		*p, err = strconv.ParseFloat(s, 64)
	case *time.Duration:
		*p, err = time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("%q is not a duration like \"30s\", \"10m\" or \"4h\"", s)
		}
	case *warroom.Severity:
		*p, err = parseSeverity(s)
	case valueSetting:
		return p.Set(s)
	default:
		panic(fmt.Sprintf("cli: setting of unsupported type %T", ptr))
	}
	if err != nil {
		return fmt.Errorf("%q: %w", s, err)
	}
	return nil
}

// formatSetting shows a setting's current value, for the help text.
func formatSetting(ptr any) string {
	switch p := ptr.(type) {
	case *string:
		return *p
	case *time.Duration:
		return warroom.ShortDuration(*p)
	case *warroom.Severity:
		return string(*p)
	case *int:
		return strconv.Itoa(*p)
	case *int64:
		return strconv.FormatInt(*p, 10)
	case *float64:
		return strconv.FormatFloat(*p, 'g', -1, 64)
	case valueSetting:
		return p.String()
	}
	return fmt.Sprint(ptr)
}

// addFlags registers a string flag per setting; the flags stay strings so
// that a value is parsed the same way whatever its source. defaults
// provides the values shown in the help.
func addFlags[C any](cmd flagAdder, table []setting[C], defaults C) {
	for _, s := range table {
		usage := s.usage
		if d := formatSetting(s.ptr(&defaults)); d != "" {
			usage += " (default " + d + ")"
		}
		usage += "; env " + envName(s.name)
		if _, ok := s.ptr(&defaults).(repeatable); ok {
			cmd.StringArray(s.name, nil, usage)
			continue
		}
		cmd.String(s.name, "", usage)
	}
}

// flagAdder is the part of a flag set addFlags needs.
type flagAdder interface {
	String(name, value, usage string) *string
	StringArray(name string, value []string, usage string) *[]string
}

// readConfigFile reads a JSON config file: one object whose values are
// strings or numbers, keyed by setting names (see fileKey). Keys no
// command knows are refused, so that a typo does not silently fall back
// to a default.
func readConfigFile(path string, known map[string]bool) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usageErrorf("config file: %v", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, usageErrorf("config file %s is not a JSON object: %v", path, err)
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		if !known[k] {
			return nil, usageErrorf("config file %s: unknown key %q", path, k)
		}
		s, err := scalarText(v)
		if err != nil {
			return nil, usageErrorf("config file %s: key %q: %v", path, k, err)
		}
		out[k] = s
	}
	return out, nil
}

// scalarText returns a JSON string's value or a JSON number's text.
func scalarText(v json.RawMessage) (string, error) {
	v = bytes.TrimSpace(v)
	if len(v) > 0 && v[0] == '"' {
		var s string
		err := json.Unmarshal(v, &s)
		return s, err
	}
	var n json.Number
	if err := json.Unmarshal(v, &n); err != nil || n == "" {
		return "", fmt.Errorf("value must be a string or a number")
	}
	return n.String(), nil
}

// addKeys adds the config file keys of a settings table to keys.
func addKeys[C any](keys map[string]bool, table []setting[C]) {
	for _, s := range table {
		keys[fileKey(s.name)] = true
	}
}
