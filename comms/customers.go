package comms

import (
	"context"

	"github.com/warroom/warroom"
)

// CustomerInput is a customer as the API takes it: services by ID or
// slug.
type CustomerInput struct {
	Name         string                    `json:"name"`
	Contacts     []warroom.CustomerContact `json:"contacts"`
	ManagerName  string                    `json:"manager_name"`
	ManagerEmail string                    `json:"manager_email"`
	SlackChannel string                    `json:"slack_channel"`
	Services     []string                  `json:"services"`
}

func (s *Service) customerOf(ctx context.Context, in CustomerInput, c *warroom.Customer) error {
	c.Name, c.Contacts, c.ManagerName, c.ManagerEmail, c.SlackChannel = in.Name, in.Contacts, in.ManagerName, in.ManagerEmail, in.SlackChannel
	if c.Contacts == nil {
		c.Contacts = []warroom.CustomerContact{}
	}
	c.ServiceIDs = []string{}
	for _, ref := range in.Services {
		svc, err := s.cfg.Store.FindService(ctx, ref)
		if warroom.ErrorCode(err) == warroom.ENotFound {
			return warroom.Invalid("services", "no service %q", ref)
		} else if err != nil {
			return err
		}
		c.ServiceIDs = append(c.ServiceIDs, svc.ID)
	}
	return c.Validate()
}

// CreateCustomer adds a customer (admins). EInvalid, EConflict for a
// taken name.
func (s *Service) CreateCustomer(ctx context.Context, a warroom.Actor, in CustomerInput) (*warroom.Customer, error) {
	if a.Role != warroom.AccountAdmin {
		return nil, warroom.Errorf(warroom.EForbidden, "only admins manage customers")
	}
	c := &warroom.Customer{}
	if err := s.customerOf(ctx, in, c); err != nil {
		return nil, err
	}
	c.CreatedAt = s.cfg.Now().UTC()
	if err := s.cfg.Store.CreateCustomer(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// UpdateCustomer replaces a customer's fields (admins). ENotFound,
// EInvalid, EConflict.
func (s *Service) UpdateCustomer(ctx context.Context, a warroom.Actor, idOrName string, in CustomerInput) (*warroom.Customer, error) {
	if a.Role != warroom.AccountAdmin {
		return nil, warroom.Errorf(warroom.EForbidden, "only admins manage customers")
	}
	c, err := s.cfg.Store.FindCustomer(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	if err := s.customerOf(ctx, in, c); err != nil {
		return nil, err
	}
	c.UpdatedAt = s.cfg.Now().UTC()
	if err := s.cfg.Store.UpdateCustomer(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// DeleteCustomer removes a customer (admins); its past deliveries stay.
func (s *Service) DeleteCustomer(ctx context.Context, a warroom.Actor, idOrName string) error {
	if a.Role != warroom.AccountAdmin {
		return warroom.Errorf(warroom.EForbidden, "only admins manage customers")
	}
	c, err := s.cfg.Store.FindCustomer(ctx, idOrName)
	if err != nil {
		return err
	}
	return s.cfg.Store.DeleteCustomer(ctx, c.ID)
}

// Customer returns a customer by ID or name.
func (s *Service) Customer(ctx context.Context, idOrName string) (*warroom.Customer, error) {
	return s.cfg.Store.FindCustomer(ctx, idOrName)
}

// Customers returns every customer, by name.
func (s *Service) Customers(ctx context.Context) ([]*warroom.Customer, error) {
	return s.cfg.Store.ListCustomers(ctx)
}
