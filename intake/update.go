package intake

import (
	"maps"

	"github.com/warroom/warroom"
)

// ToAlertUpdates turns parsed alerts into what a warroom.AlertStore
// ingests for one integration (see ToAlertUpdate).
func ToAlertUpdates(in *warroom.Integration, alerts []Alert) []warroom.AlertUpdate {
	out := make([]warroom.AlertUpdate, len(alerts))
	for i := range alerts {
		out[i] = ToAlertUpdate(in, &alerts[i])
	}
	return out
}

// ToAlertUpdate converts one parsed alert for the store: the action, and
// the alert with the integration's service and ID. Empty fields stay
// empty: they mean "the sender did not say", and the store keeps what it
// knows.
//
// The PagerDuty common fields (Origin, Component, Group, Class) have no
// column of their own: they become labels, without replacing a label the
// sender set, so they can be seen and filtered on like Alertmanager's
// (for Alertmanager they were derived from the labels). Links are the
// sender's links, its images and the sending tool's own link (ClientURL).
//
// The update shares a's Labels (for Alertmanager alerts), Annotations and
// Details: neither may be changed while the other is in use.
func ToAlertUpdate(in *warroom.Integration, a *Alert) warroom.AlertUpdate {
	out := warroom.Alert{
		Source:      a.Source,
		DedupKey:    a.DedupKey,
		GroupKey:    a.GroupKey,
		Summary:     a.Summary,
		Severity:    a.Severity,
		Labels:      commonLabels(a),
		Annotations: a.Annotations,
		Details:     a.Details,
		Links:       storeLinks(a),
		StartsAt:    a.StartsAt,
	}
	if in != nil {
		out.ServiceID, out.IntegrationID = in.ServiceID, in.ID
	}
	if !a.EndsAt.IsZero() {
		end := a.EndsAt
		out.EndsAt = &end
	}
	return warroom.AlertUpdate{Action: string(a.Action), Alert: out}
}

func commonLabels(a *Alert) map[string]string {
	if a.Source == SourceAlertmanager {
		return a.Labels // Component and Class were derived from the labels
	}
	labels := a.Labels
	cloned := false
	for _, f := range [...]struct{ k, v string }{{"source", a.Origin}, {"component", a.Component}, {"group", a.Group}, {"class", a.Class}} {
		if f.v == "" {
			continue
		}
		if _, taken := labels[f.k]; taken {
			continue
		}
		if !cloned {
			labels, cloned = maps.Clone(labels), true
			if labels == nil {
				labels = make(map[string]string, 4)
			}
		}
		labels[f.k] = f.v
	}
	return labels
}

// storeLinks keeps the sender's links, its images as links, and the
// sending tool's own link (PagerDuty client_url).
func storeLinks(a *Alert) []warroom.Link {
	n := len(a.Links) + len(a.Images)
	if a.ClientURL != "" {
		n++
	}
	if n == 0 {
		return nil
	}
	out := make([]warroom.Link, 0, n)
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
