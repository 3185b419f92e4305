package warroom

import (
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Customer is an organisation warroom keeps informed (seed 000: "inform
// customer in external customer Slack channel", "via email and add their
// manager on CC"): its contacts, its manager (an account manager on our
// side, copied on every email), optionally a shared Slack channel, and
// the services it uses, which decide which incidents affect it.
type Customer struct {
	ID           string            `json:"id"`
	Name         string            `json:"name"`
	Contacts     []CustomerContact `json:"contacts"`
	ManagerName  string            `json:"manager_name,omitempty"`
	ManagerEmail string            `json:"manager_email,omitempty"`
	// SlackChannel is the ID of the channel shared with the customer
	// (Slack Connect), e.g. C0123456789; empty for none.
	SlackChannel string    `json:"slack_channel,omitempty"`
	ServiceIDs   []string  `json:"service_ids"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// CustomerContact is one person at a customer who receives updates.
type CustomerContact struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email"`
}

var slackChannelID = regexp.MustCompile(`^[CG][A-Z0-9]{6,20}$`)

// maxContacts bounds a customer's contacts (one email carries them all).
const maxContacts = 50

// Validate checks a customer's fields and normalizes its emails.
func (c *Customer) Validate() error {
	c.Name = strings.TrimSpace(c.Name)
	switch {
	case c.Name == "":
		return Invalid("name", "name is required")
	case utf8.RuneCountInString(c.Name) > MaxNameChars:
		return Invalid("name", "name must be at most %d characters", MaxNameChars)
	case len(c.Contacts) > maxContacts:
		return Invalid("contacts", "a customer has at most %d contacts", maxContacts)
	case c.SlackChannel != "" && !slackChannelID.MatchString(c.SlackChannel):
		return Invalid("slack_channel", "slack_channel is a Slack channel ID like C0123456789, not a name")
	case len(c.ManagerName) > 200:
		return Invalid("manager_name", "manager name must be at most 200 characters")
	}
	seen := map[string]bool{}
	for i := range c.Contacts {
		ct := &c.Contacts[i]
		e, err := normalEmail(ct.Email)
		if err != nil {
			return Invalid("contacts.email", "contact %d: %v", i+1, err)
		}
		if seen[e] {
			return Invalid("contacts.email", "contact %s is listed twice", e)
		}
		seen[e] = true
		ct.Email, ct.Name = e, strings.TrimSpace(ct.Name)
		if len(ct.Name) > 200 || strings.ContainsAny(ct.Name, "\r\n") {
			return Invalid("contacts.name", "contact %d: name is one line of at most 200 characters", i+1)
		}
	}
	if c.ManagerEmail != "" {
		e, err := normalEmail(c.ManagerEmail)
		if err != nil {
			return Invalid("manager_email", "%v", err)
		}
		c.ManagerEmail = e
	}
	if strings.ContainsAny(c.ManagerName, "\r\n") {
		return Invalid("manager_name", "manager name is one line")
	}
	if c.ServiceIDs == nil {
		c.ServiceIDs = []string{}
	}
	return nil
}

func normalEmail(s string) (string, error) {
	a, err := mail.ParseAddress(strings.TrimSpace(s))
	if err != nil || a.Name != "" || !strings.Contains(a.Address, "@") {
		return "", Errorf(EInvalid, "%q is not an email address", s)
	}
	return strings.ToLower(a.Address), nil
}

// AffectsCustomer reports whether an incident affects a customer: it
// names the customer in its impact, or impacts a service the customer
// uses.
func AffectsCustomer(inc *Incident, c *Customer) bool {
	for _, n := range inc.Impact.Customers {
		if strings.EqualFold(strings.TrimSpace(n), c.Name) {
			return true
		}
	}
	return slices.ContainsFunc(inc.Impact.ServiceIDs, func(id string) bool { return slices.Contains(c.ServiceIDs, id) })
}

// Delivery channels of customer updates.
const (
	DeliveryEmail = "email" // to the contacts, the manager in copy
	DeliverySlack = "slack" // to the customer's shared Slack channel
)

// Delivery states.
const (
	DeliveryPending = "pending"
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"
)

// CustomerDelivery is one customer update on its way to one customer by
// one channel: a durable row, sent once, retried until it is.
type CustomerDelivery struct {
	ID         string     `json:"id"`
	UpdateID   string     `json:"update_id"`
	IncidentID string     `json:"incident_id"`
	CustomerID string     `json:"customer_id"`
	Channel    string     `json:"channel"`
	To         []string   `json:"to"`
	CC         []string   `json:"cc,omitempty"`
	State      string     `json:"state"`
	Attempts   int        `json:"attempts"`
	LastError  string     `json:"last_error,omitempty"`
	ProviderID string     `json:"provider_id,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	SentAt     *time.Time `json:"sent_at,omitempty"`
}

// CustomerDeliveries returns the deliveries a customer update calls for:
// for each affected customer, one email to its contacts with its manager
// in copy (when it has contacts), and one post to its shared Slack
// channel (when it has one). id makes each delivery's ID from the update,
// the customer and the channel, so that making them twice makes the same.
func CustomerDeliveries(u *Update, inc *Incident, customers []*Customer, id func(parts ...string) string) []CustomerDelivery {
	var out []CustomerDelivery
	for _, c := range customers {
		if !AffectsCustomer(inc, c) {
			continue
		}
		if len(c.Contacts) > 0 {
			to := make([]string, len(c.Contacts))
			for i, ct := range c.Contacts {
				to[i] = ct.Email
			}
			var cc []string
			if c.ManagerEmail != "" && !slices.Contains(to, c.ManagerEmail) {
				cc = []string{c.ManagerEmail}
			}
			out = append(out, CustomerDelivery{ID: id(u.ID, c.ID, DeliveryEmail), UpdateID: u.ID, IncidentID: inc.ID,
				CustomerID: c.ID, Channel: DeliveryEmail, To: to, CC: cc, State: DeliveryPending, CreatedAt: u.At})
		}
		if c.SlackChannel != "" {
			out = append(out, CustomerDelivery{ID: id(u.ID, c.ID, DeliverySlack), UpdateID: u.ID, IncidentID: inc.ID,
				CustomerID: c.ID, Channel: DeliverySlack, To: []string{c.SlackChannel}, State: DeliveryPending, CreatedAt: u.At})
		}
	}
	return out
}
