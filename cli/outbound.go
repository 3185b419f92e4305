package cli

import (
	"net/netip"
	"strings"

	"github.com/warroom/warroom/notify/outbound"
)

// allowSetting is --outbound-allow: the ranges that destinations set by
// users (webhook contact methods) may reach although they are loopback,
// private, link-local or metadata addresses (package notify/outbound).
// Destinations an admin configures (--announce, --slack-api-url,
// --smtp-addr) are not checked: they are the admin's own choice.
type allowSetting []netip.Prefix

// Set parses CIDR ranges separated by commas or spaces.
func (a *allowSetting) Set(s string) error {
	prefixes, err := outbound.ParseAllow(s)
	if err != nil {
		return err
	}
	*a = prefixes
	return nil
}

// String writes the ranges as Set reads them.
func (a *allowSetting) String() string {
	var out []string
	for _, p := range *a {
		out = append(out, p.String())
	}
	return strings.Join(out, ",")
}

// outboundPolicy is the guard of the requests to user-set destinations.
func (c *pagingConfig) outboundPolicy() outbound.Policy {
	return outbound.Policy{Allow: c.OutboundAllow}
}
