package web

import (
	"net/http"
	"strings"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/comms"
)

// customersView is the customers page: every customer with its contacts,
// manager, shared channel and services, and (for admins) the form to add
// one.
type customersView struct {
	base
	Customers []*warroom.Customer
	Services  []*warroom.Service
	Names     map[string]string // service ID -> name
	Form      customerForm
}

// customerForm is the add-a-customer form; Contacts is one address a
// line ("Name <email>" or "email").
type customerForm struct {
	Name, Contacts, ManagerName, ManagerEmail, SlackChannel string
	Services                                                []string
	Errors                                                  map[string]string
}

// HasService reports whether the form selected a service (by slug).
func (f customerForm) HasService(slug string) bool {
	for _, s := range f.Services {
		if s == slug {
			return true
		}
	}
	return false
}

func (f customerForm) input() comms.CustomerInput {
	in := comms.CustomerInput{Name: f.Name, ManagerName: f.ManagerName, ManagerEmail: f.ManagerEmail,
		SlackChannel: strings.TrimSpace(f.SlackChannel), Services: f.Services, Contacts: []warroom.CustomerContact{}}
	for _, line := range strings.Split(f.Contacts, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if name, email, ok := strings.Cut(line, "<"); ok {
			in.Contacts = append(in.Contacts, warroom.CustomerContact{Name: strings.TrimSpace(name), Email: strings.TrimSpace(strings.TrimSuffix(email, ">"))})
		} else {
			in.Contacts = append(in.Contacts, warroom.CustomerContact{Email: line})
		}
	}
	return in
}

// ServiceNames shows a customer's services.
func (v customersView) ServiceNames(ids []string) string {
	var out []string
	for _, id := range ids {
		out = append(out, v.Names[id])
	}
	return strings.Join(out, ", ")
}

func (h *Handler) customersPage(r *http.Request, f customerForm) (*customersView, error) {
	c, err := h.commsService()
	if err != nil {
		return nil, err
	}
	v := &customersView{base: h.base(r, "Customers"), Form: f, Names: map[string]string{}}
	if v.Customers, err = c.Customers(r.Context()); err != nil {
		return nil, err
	}
	if v.Services, err = h.store.ListServices(r.Context()); err != nil {
		return nil, err
	}
	for _, s := range v.Services {
		v.Names[s.ID] = s.Name
	}
	return v, nil
}

// customerList is the customers page.
func (h *Handler) customerList(w http.ResponseWriter, r *http.Request) error {
	v, err := h.customersPage(r, customerForm{})
	if err != nil {
		return err
	}
	return h.ok(w, "customer_list", v)
}

// customerCreate adds a customer (admins); a refused one comes back with
// the message next to the field at fault and what was typed.
func (h *Handler) customerCreate(w http.ResponseWriter, r *http.Request) error {
	c, err := h.commsService()
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return warroom.Invalid("form", "the form could not be read")
	}
	f := customerForm{Name: r.PostFormValue("name"), Contacts: r.PostFormValue("contacts"), ManagerName: r.PostFormValue("manager_name"),
		ManagerEmail: r.PostFormValue("manager_email"), SlackChannel: r.PostFormValue("slack_channel"), Services: r.PostForm["services"]}
	_, err = c.CreateCustomer(r.Context(), actor(r), f.input())
	if err == nil {
		return redirect(w, r, "/customers")
	}
	if code := warroom.ErrorCode(err); code != warroom.EInvalid && code != warroom.EConflict {
		return err
	}
	field := warroom.ErrorField(err)
	if strings.HasPrefix(field, "contacts") {
		field = "contacts"
	}
	if field == "" {
		field = "form"
	}
	f.Errors = map[string]string{field: warroom.ErrorMessage(err)}
	v, perr := h.customersPage(r, f)
	if perr != nil {
		return perr
	}
	return h.render(w, http.StatusUnprocessableEntity, "customer_list", v)
}
