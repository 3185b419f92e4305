// Package intake parses, validates and normalizes incoming alerts from three
// senders into one Alert type, and provides the building blocks of their
// HTTP handlers. It holds no state: the caller stores what it returns.
//
// # Senders
//
//   - Prometheus Alertmanager webhook (webhook_configs, payload version 4):
//     ParseAlertmanager gives one Alert per Alertmanager alert, identified
//     by its fingerprint, never by summary text. Each alert's own status
//     decides trigger or resolve: a "firing" group carries alerts that have
//     just resolved.
//   - PagerDuty Events API v2 (POST /v2/enqueue, as Alertmanager's
//     pagerduty_configs and PagerDuty clients send it): ParsePagerDuty
//     validates as PagerDuty does and answers in its format (PDError,
//     WritePagerDuty). Alertmanager sends one event per alert group under
//     one dedup_key, so a trigger after a trigger with the same dedup_key
//     updates one alert; AlertmanagerFingerprints lists the group's alerts.
//   - The generic JSON webhook below: ParseGeneric.
//
// # Handler building blocks
//
// A handler reads the body with ReadBody (1 MiB by default; larger is 413),
// finds the integration, parses, stores, and answers with WritePagerDuty or
// WriteWebhook, which map every error to its status (StatusCode).
//
// The integration key of a webhook request comes from IntegrationKeys: the
// Authorization credentials (Bearer token, else basic-auth password, else
// basic-auth username) first, then the URL path segment. Accept the request
// when any candidate matches an integration, trying them in that order: an
// unmodified Alertmanager entry such as
//
//	webhook_configs:
//	- url: http://warroom:8080/webhook/warroom-integration-key
//	  http_config:
//	    authorization:
//	      type: Bearer
//	      credentials: example-integration-key
//
// then works whichever of the two holds the key. For the PagerDuty endpoint
// the key is the event's routing_key (Alert.RoutingKey), which PagerDuty
// requires to be 32 characters: integration keys made by RandomKey fit.
//
// An alert is identified by (integration, Alert.Source, Alert.DedupKey).
// Empty fields of an Alert mean "not said": updating a stored alert must not
// erase known values with them.
//
// # Handing alerts to a store
//
// ToAlertUpdate and ToAlertUpdates turn parsed alerts into the
// warroom.AlertUpdate a warroom.AlertStore ingests. EncodeUpdates also
// encodes their labels, annotations, details and links in the canonical
// JSON the SQL store keeps and compares (EncodeStrings, EncodeLinks,
// CompactJSON), so that the store's writer need not; ParseAlertmanagerEncoded
// does both in one go and reuses the body's own bytes where an unmodified
// Alertmanager already sent them canonically. The Alertmanager body is
// read in one pass without reflection; encoding/json only judges bodies
// that are malformed or unusual, and words every error.
//
// # Generic JSON webhook
//
// The body is one alert object or an array of them (a batch). Fields:
//
//	dedup_key    string  Identifies the alert: events with the same key update
//	                     one alert. At most 255 characters. When absent, it is
//	                     the fingerprint of labels as Alertmanager computes it
//	                     (16 hex digits), so one label set is one alert; with
//	                     neither dedup_key nor labels the alert is rejected.
//	status       string  "firing" (the default), "acknowledged" or "resolved".
//	title        string  One-line summary, at most 1024 characters; required
//	                     when firing. "summary" is accepted as another name
//	                     for it (not both with different values).
//	severity     string  critical, error, warning or info; also accepted:
//	                     page (critical), high (error), warn (warning), low
//	                     and none (info). Default warning when firing.
//	source       string  Where the problem is: host, service, URL.
//	component    string  The broken part of source, e.g. "postgres".
//	group        string  A grouping of sources, e.g. "prod-eu-1".
//	class        string  The kind of problem, e.g. "disk full".
//	group_key    string  Alerts with the same group_key are shown together.
//	                     At most 2048 bytes.
//	labels       object  String keys to string values, identifying the alert.
//	annotations  object  String keys to string values, describing it
//	                     (description, runbook_url...).
//	details      any     Any JSON, kept as is.
//	links        array   [{"href": "https://...", "text": "Dashboard"}]; href required.
//	images       array   [{"src": "https://...", "href": "...", "alt": "..."}]; src required.
//	started_at   string  RFC 3339 time the problem began; default: received time.
//	ended_at     string  RFC 3339 time it ended; only with status "resolved"
//	                     (default: received time).
//
// Unknown fields are rejected (400 naming the field), so a misspelt field is
// not silently ignored. No string anywhere in a body of any sender may hold
// a NUL character, bytes that are not UTF-8 or half a surrogate pair, and
// keys are bounded (warroom.MaxKeyChars, warroom.MaxGroupKeyBytes): every
// database stores exactly what intake accepts (limits.go). A dedup_key repeated within one batch keeps the last
// alert. The answer is 202
//
//	{"status":"success","message":"Alerts processed","dedup_keys":["..."]}
//
// with the keys in the request's order (so a sender learns a derived key),
// or 4xx {"status":"error","message":"...","field":"[1].severity"}.
// GENERIC_WEBHOOK.md in this directory holds the same schema with examples.
package intake
