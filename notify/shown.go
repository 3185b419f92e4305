package notify

import "net/url"

// ShownDestination is a message's destination as people may be shown
// it: a Slack incoming webhook URL is the credential itself, and a
// webhook receiver's path or query may hold one, so URLs are cut to what
// identifies them. Every place that shows a destination uses it.
func ShownDestination(channel, dest string) string {
	switch channel {
	case ChannelSlackWebhook:
		return "Slack incoming webhook"
	case ChannelWebhook:
		u, err := url.Parse(dest)
		if err != nil || u.Host == "" {
			return "webhook"
		}
		return u.Scheme + "://" + u.Host + "/…"
	}
	return dest
}
