package cli

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/warroom/warroom"
)

// roleAliases are the short names responders type for roles, one per
// role (roleHelp shows them).
var roleAliases = map[string]warroom.Role{
	"ic":       warroom.RoleIncidentCommander,
	"cl":       warroom.RoleCommunicationsLead,
	"ol":       warroom.RoleOperationsLead,
	"owner":    warroom.RoleIncidentOwner,
	"tl":       warroom.RoleTechnicalLead,
	"scribe":   warroom.RoleScribe,
	"planning": warroom.RolePlanningLead,
	"pi":       warroom.RoleParallelInvestigator,
	"csl":      warroom.RoleCustomerSupportLead,
}

// parseRole accepts a role's API name (incident_commander), its title
// with dashes or spaces (incident-commander) or a short form (ic).
func parseRole(s string) (warroom.Role, error) {
	k := strings.NewReplacer("-", "_", " ", "_").Replace(strings.ToLower(strings.TrimSpace(s)))
	if r, ok := roleAliases[k]; ok {
		return r, nil
	}
	if r := warroom.Role(k); r.Valid() {
		return r, nil
	}
	return "", usageErrorf("unknown role %q; roles are %s (or short: ic, cl, ol, owner, tl, scribe, planning, pi, csl)", s, joinRoles())
}

func joinRoles() string {
	names := make([]string, len(warroom.Roles))
	for i, r := range warroom.Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// parseSeverity accepts SEV2, sev2 or 2.
func parseSeverity(s string) (warroom.Severity, error) {
	v := strings.ToUpper(strings.TrimSpace(s))
	if !strings.HasPrefix(v, "SEV") {
		v = "SEV" + v
	}
	if sev := warroom.Severity(v); sev.Valid() {
		return sev, nil
	}
	return "", fmt.Errorf("severity must be SEV1 (worst), SEV2, SEV3 or SEV4")
}

// severityArg is parseSeverity for a command-line argument.
func severityArg(s string) (warroom.Severity, error) {
	sev, err := parseSeverity(s)
	if err != nil {
		return "", usageErrorf("%v, not %q", err, s)
	}
	return sev, nil
}

// incidentPath returns the API path of an incident given as INC-42, 42
// or an ID.
func incidentPath(ref string) string {
	if n, ok := warroom.ParseRef(ref); ok {
		ref = warroom.FormatRef(n)
	}
	return "/api/v1/incidents/" + url.PathEscape(ref)
}

// parseSeq reads a timeline entry number, "12" or "#12".
func parseSeq(s string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(s), "#"), 10, 64)
	if err != nil || n < 1 {
		return 0, usageErrorf("%q is not a timeline entry number like 12 or #12", s)
	}
	return n, nil
}

// parseWhen reads a point in time: RFC 3339 (2024-05-01T10:00:00Z) or a
// duration ago ("45m" means 45 minutes before now).
func parseWhen(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if d, err := time.ParseDuration(strings.TrimPrefix(s, "-")); err == nil && d >= 0 {
		return now.Add(-d).UTC(), nil
	}
	return time.Time{}, usageErrorf("%q is neither a time like 2024-05-01T10:00:00Z nor a duration ago like 45m", s)
}

// noArgs refuses positional arguments.
func noArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErrorf("unexpected argument %q", args[0])
	}
	return nil
}

// argsNamed checks the positional arguments against their names; a name
// ending in "..." takes all remaining words (at least one), one in
// brackets is optional.
func argsNamed(names ...string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		required, rest := 0, false
		for _, n := range names {
			if !strings.HasPrefix(n, "[") {
				required++
			}
			rest = rest || strings.HasSuffix(n, "...")
		}
		if len(args) < required {
			return usageErrorf("missing %s", strings.Join(names[len(args):required], " "))
		}
		if !rest && len(args) > len(names) {
			return usageErrorf("unexpected argument %q (quote text with spaces)", args[len(names)])
		}
		return nil
	}
}

// textArgs joins the words of free text given unquoted.
func textArgs(args []string) string { return strings.Join(args, " ") }
