package tracker

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/warroom/warroom"
)

// Scope says whose tracker settings a Config is: a service's, or a team's
// (used for the services of the team that have none of their own).
type Scope string

// Scopes.
const (
	ScopeService Scope = "service"
	ScopeTeam    Scope = "team"
)

// Config is the tracker settings of a service or a team. It names its
// credentials rather than holding them: the secrets stay in the server's
// secrets directory (Secrets), as every outbound secret stays out of the
// database (docs/outbound.md).
type Config struct {
	ID      string `json:"id"`
	Scope   Scope  `json:"scope"`
	ScopeID string `json:"scope_id"` // the service's or team's ID
	Kind    Kind   `json:"kind"`
	// BaseURL is GitHub's API (default https://api.github.com) or the
	// Jira site (https://example.atlassian.net).
	BaseURL string `json:"base_url"`
	// Project is GitHub's owner/repo or Jira's project key.
	Project string `json:"project"`
	// Credentials names the secret holding a GitHub token, or Jira's
	// EMAIL:API_TOKEN.
	Credentials string `json:"credentials"`
	// WebhookSecret names the secret that signs the tracker's webhooks;
	// empty: webhooks for this tracker are refused and polling alone
	// follows its tickets.
	WebhookSecret string    `json:"webhook_secret,omitempty"`
	IssueType     string    `json:"issue_type,omitempty"` // Jira: the incident ticket's issue type (default Task)
	CreatedAt     time.Time `json:"created_at"`
}

var secretName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Validate checks a configuration and fills its defaults; errors are
// EInvalid naming the field.
func (c *Config) Validate() error {
	switch c.Scope {
	case ScopeService, ScopeTeam:
	default:
		return warroom.Invalid("scope", "scope %q: use service or team", c.Scope)
	}
	if c.ScopeID == "" {
		return warroom.Invalid("scope_id", "name the %s", c.Scope)
	}
	if _, err := ParseKind("kind", string(c.Kind)); err != nil {
		return err
	}
	c.BaseURL = strings.TrimRight(strings.TrimSpace(c.BaseURL), "/")
	if c.BaseURL == "" && c.Kind == GitHub {
		c.BaseURL = "https://api.github.com"
	}
	u, err := url.Parse(c.BaseURL)
	if c.BaseURL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" {
		return warroom.Invalid("base_url", "base URL %q is not an http(s) URL without credentials or query, like https://example.atlassian.net", c.BaseURL)
	}
	switch c.Kind {
	case GitHub:
		owner, repo, ok := strings.Cut(c.Project, "/")
		if !ok || owner == "" || repo == "" || strings.ContainsAny(repo, "/ ") {
			return warroom.Invalid("project", "GitHub repository %q is not owner/repo", c.Project)
		}
		if c.IssueType != "" {
			return warroom.Invalid("issue_type", "GitHub issues have no issue type")
		}
	case Jira:
		if !regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,254}$`).MatchString(c.Project) {
			return warroom.Invalid("project", "Jira project key %q is not a key like OPS (capital letters, digits, _)", c.Project)
		}
	}
	if !secretName.MatchString(c.Credentials) {
		return warroom.Invalid("credentials", "name the secret holding the credentials (letters, digits, . _ -; up to 64), a file in the server's tracker secrets directory")
	}
	if c.WebhookSecret != "" && !secretName.MatchString(c.WebhookSecret) {
		return warroom.Invalid("webhook_secret", "name the secret that signs webhooks (letters, digits, . _ -; up to 64)")
	}
	return nil
}

// SubjectKind is what a ticket is for.
type SubjectKind string

// Subject kinds.
const (
	SubjectIncident   SubjectKind = "incident"
	SubjectActionItem SubjectKind = "action_item"
)

// Ticket is a ticket warroom made for an incident or an action item, with
// the work still to do on it.
type Ticket struct {
	ID          string      `json:"id"`
	SubjectKind SubjectKind `json:"subject_kind"`
	SubjectID   string      `json:"subject_id"`
	ConfigID    string      `json:"config_id"`
	Tracker     Kind        `json:"tracker"`
	Key         string      `json:"key,omitempty"` // empty until made
	URL         string      `json:"url,omitempty"`
	State       State       `json:"state,omitempty"`
	Status      string      `json:"status,omitempty"` // the tracker's own name for the state
	// Assignee is who warroom last assigned the ticket to (an email or
	// login); a new Incident Owner is assigned when it differs.
	Assignee string `json:"assignee,omitempty"`
	// Content is a digest of the title and description warroom last
	// wrote, so that it writes them again only when they change.
	Content string `json:"-"`
	// Want is the state warroom wants the ticket in (the incident's
	// stage decides it); "" leaves the state to the tracker's people.
	Want State `json:"want,omitempty"`
	// Parent is the key of the ticket this one belongs to (an action
	// item's incident ticket).
	Parent string `json:"parent,omitempty"`
	// PostmortemURL is linked from the ticket once known;
	// PostmortemLinked says it is.
	PostmortemURL    string     `json:"postmortem_url,omitempty"`
	PostmortemLinked bool       `json:"postmortem_linked,omitempty"`
	Attempts         int        `json:"attempts,omitempty"`
	LastError        string     `json:"last_error,omitempty"`
	CreatedAt        time.Time  `json:"created_at"`
	SyncedAt         *time.Time `json:"synced_at,omitempty"` // when the state was last read from or written to the tracker
}

// Marker is what the ticket's marker says it is for.
func (t *Ticket) Marker() string { return string(t.SubjectKind) + ":" + t.SubjectID }

// Store keeps tracker settings and tickets. Implementation: sqlstore.
type Store interface {
	// CreateTrackerConfig stores c (validated); EConflict if its scope
	// has one already.
	CreateTrackerConfig(ctx context.Context, c *Config) error
	// TrackerConfig returns a configuration by ID; ENotFound.
	TrackerConfig(ctx context.Context, id string) (*Config, error)
	// TrackerConfigFor returns the configuration of a scope; ENotFound.
	TrackerConfigFor(ctx context.Context, scope Scope, scopeID string) (*Config, error)
	// TrackerConfigs returns every configuration, oldest first.
	TrackerConfigs(ctx context.Context) ([]*Config, error)
	// DeleteTrackerConfig removes a configuration; its tickets stay.
	// ENotFound.
	DeleteTrackerConfig(ctx context.Context, id string) error

	// LeaseTicket returns the ticket of a subject, made (with t's
	// fields) if there is none, leased to owner until now+lease so that
	// no other run makes or moves it at once; EConflict if another
	// owner holds it.
	LeaseTicket(ctx context.Context, t *Ticket, owner string, now time.Time, lease time.Duration) (*Ticket, error)
	// SaveTicket writes a leased ticket back and releases the lease;
	// EConflict if owner no longer holds it.
	SaveTicket(ctx context.Context, t *Ticket, owner string) error
	// SetTicketWant records the state warroom wants a subject's ticket
	// in (unless want is empty) and, if url is not empty, its
	// postmortem's URL; ENotFound if
	// the subject has no ticket.
	SetTicketWant(ctx context.Context, kind SubjectKind, subjectID string, want State, postmortemURL string) error
	// TicketFor returns a subject's ticket; ENotFound.
	TicketFor(ctx context.Context, kind SubjectKind, subjectID string) (*Ticket, error)
	// TicketsByKey returns the tickets with a tracker key (one, unless
	// two settings point at one project).
	TicketsByKey(ctx context.Context, tracker Kind, key string) ([]*Ticket, error)
	// TicketsWithParent returns the tickets made under a parent ticket
	// (action items under their incident's), oldest first.
	TicketsWithParent(ctx context.Context, tracker Kind, parentKey string) ([]*Ticket, error)
	// RecordTicketState records a state read from the tracker (webhook,
	// poll) at at; ENotFound.
	RecordTicketState(ctx context.Context, id string, state State, status string, at time.Time) error
	// TicketsToPoll returns up to limit made tickets not done, least
	// recently synced first.
	TicketsToPoll(ctx context.Context, limit int) ([]*Ticket, error)
}
