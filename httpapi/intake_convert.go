package httpapi

import (
	"maps"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/intake"
)

// alertUpdates turns parsed alerts into what the store ingests for one
// integration. Empty fields stay empty: they mean "the sender did not say",
// and the store keeps what it knows.
func alertUpdates(in *warroom.Integration, alerts []intake.Alert) []warroom.AlertUpdate {
	out := make([]warroom.AlertUpdate, len(alerts))
	for i, a := range alerts {
		out[i] = warroom.AlertUpdate{Action: string(a.Action), Alert: domainAlert(in, a)}
	}
	return out
}

// domainAlert converts one parsed alert. The PagerDuty common fields
// (source, component, group, class) have no column of their own: they
// become labels, without replacing a label the sender set, so they can
// be seen and filtered on like Alertmanager's.
func domainAlert(in *warroom.Integration, a intake.Alert) warroom.Alert {
	out := warroom.Alert{
		ServiceID:     in.ServiceID,
		IntegrationID: in.ID,
		Source:        a.Source,
		DedupKey:      a.DedupKey,
		GroupKey:      a.GroupKey,
		Summary:       a.Summary,
		Severity:      a.Severity,
		Labels:        commonLabels(a),
		Annotations:   a.Annotations,
		Details:       a.Details,
		Links:         links(a),
		StartsAt:      a.StartsAt,
	}
	if !a.EndsAt.IsZero() {
		end := a.EndsAt
		out.EndsAt = &end
	}
	return out
}

func commonLabels(a intake.Alert) map[string]string {
	labels := maps.Clone(a.Labels)
	if a.Source == intake.SourceAlertmanager {
		return labels // Component and Class were derived from the labels
	}
	for k, v := range map[string]string{"source": a.Origin, "component": a.Component, "group": a.Group, "class": a.Class} {
		if v == "" {
			continue
		}
		if labels == nil {
			labels = map[string]string{}
		}
		if _, taken := labels[k]; !taken {
			labels[k] = v
		}
	}
	return labels
}

// links keeps the sender's links, its images as links, and the sending
// tool's own link (PagerDuty client_url).
func links(a intake.Alert) []warroom.Link {
	var out []warroom.Link
	for _, l := range a.Links {
		out = append(out, warroom.Link{Title: l.Text, URL: l.Href})
	}
	for _, im := range a.Images {
		url := im.Href
		if url == "" {
			url = im.Src
		}
		out = append(out, warroom.Link{Title: firstNonEmpty(im.Alt, "image"), URL: url})
	}
	if a.ClientURL != "" {
		out = append(out, warroom.Link{Title: firstNonEmpty(a.Client, "sender"), URL: a.ClientURL})
	}
	return out
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
