package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/sqlstore"
)

// bootstrapOptions are the flags of `warroom bootstrap`.
type bootstrapOptions struct {
	handle, name, email, timeZone, tokenName string
	force                                    bool
	publicURL                                string // where the sign-in link points ("": the default listen address)
}

// bootstrapSettings are the serve settings bootstrap reads: the database,
// and the public URL its one-time sign-in link points at.
func bootstrapSettings() []setting[serveConfig] {
	out := []setting[serveConfig]{databaseSetting()}
	for _, s := range serveSettings() {
		if s.name == "public-url" {
			out = append(out, s)
		}
	}
	return out
}

func (a *app) bootstrapCommand() *cobra.Command {
	var o bootstrapOptions
	cmd := &cobra.Command{
		Use:     "bootstrap --email you@example.com",
		GroupID: "server",
		Short:   "Create the first admin and their API token, directly in the database",
		Long: "Create the first admin user and an API token, working directly on the database\n" +
			"(no server needed). The token's secret is printed once. Refused when users exist,\n" +
			"unless --force-new-admin (for when every admin lost their token).",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := defaultServeConfig()
			if err := apply(&cfg, bootstrapSettings(), a.sources(cmd.Flags())); err != nil {
				return err
			}
			o.publicURL = cfg.PublicURL
			return a.bootstrap(cmd.Context(), cfg.Database, o)
		},
	}
	addFlags(cmd.Flags(), bootstrapSettings(), defaultServeConfig())
	f := cmd.Flags()
	f.StringVar(&o.handle, "handle", "admin", "the admin's handle")
	f.StringVar(&o.name, "name", "Administrator", "the admin's name")
	f.StringVar(&o.email, "email", "", "the admin's email address (required)")
	f.StringVar(&o.timeZone, "time-zone", "UTC", "the admin's IANA time zone, e.g. Europe/Berlin")
	f.StringVar(&o.tokenName, "token-name", "bootstrap", "name of the created token")
	f.BoolVar(&o.force, "force-new-admin", false, "create another admin even though users exist")
	_ = cmd.MarkFlagRequired("email")
	return cmd
}

// bootstrap creates the admin and token in the database at dsn.
func (a *app) bootstrap(ctx context.Context, dsn string, o bootstrapOptions) error {
	store, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		return fmt.Errorf("open database %s: %w", redactDSN(dsn), err)
	}
	defer store.Close()
	n, err := store.CountUsers(ctx)
	if err != nil {
		return err
	}
	if n > 0 && !o.force {
		return fmt.Errorf("the database already has %d users; bootstrap only creates the first admin. "+
			"Ask an admin for a token (`warroom token create --user HANDLE`), "+
			"or pass --force-new-admin if no admin can log in any more", n)
	}
	u := &warroom.User{Handle: o.handle, Name: o.name, Email: o.email, TimeZone: o.timeZone,
		Role: warroom.AccountAdmin, CreatedAt: a.now().UTC()}
	if err := u.Validate(time.LoadLocation); err != nil {
		return usageErrorf("%s (--%s)", warroom.ErrorMessage(err), warroom.ErrorField(err))
	}
	if err := store.CreateUser(ctx, u); err != nil {
		return err
	}
	secret, hash, err := warroom.NewTokenSecret()
	if err != nil {
		return err
	}
	tok := &warroom.Token{UserID: u.ID, Name: o.tokenName, CreatedAt: a.now().UTC()}
	if err := store.CreateToken(ctx, tok, hash); err != nil {
		return fmt.Errorf("user @%s was created but their token was not (%w); run bootstrap again with --force-new-admin and another --handle", u.Handle, err)
	}
	base := o.publicURL
	if base == "" {
		base = "http://" + defaultServeConfig().Listen
	}
	link, expires, err := warroom.CreateSignInLink(ctx, store, base, u.ID, a.now().UTC())
	if err != nil {
		return fmt.Errorf("user @%s and their token were created but the sign-in link was not (%w); an admin can make one with `warroom user signin-link %s`", u.Handle, err, u.Handle)
	}
	if a.jsonMode {
		printJSONValue(a.stdout, map[string]any{"user": u, "token": tok, "secret": secret, "signin_url": link, "signin_url_expires_at": expires})
		return nil
	}
	fmt.Fprintf(a.stdout, "Created admin @%s (%s <%s>).\n\n", u.Handle, u.Name, u.Email)
	fmt.Fprintf(a.stdout, "Open this one-time link in your browser to sign in (valid 24 hours, works once), then set a password:\n\n  %s\n\n", link)
	fmt.Fprintf(a.stdout, "API token %q, shown only this once; store it now:\n\n  %s\n\n", tok.Name, secret)
	fmt.Fprintf(a.stdout, "Use it:\n\n  export WARROOM_TOKEN=%s\n  export WARROOM_SERVER=http://127.0.0.1:8080   # where `warroom serve` listens\n  warroom whoami\n", secret)
	return nil
}
