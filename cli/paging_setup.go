package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/warroom/warroom"
)

func integrationsPath(service string) string {
	return "/api/v1/services/" + url.PathEscape(service) + "/integrations"
}

func (a *app) integrationCreateCommand() *cobra.Command {
	var service, kind, name, key string
	cmd := &cobra.Command{
		Use:   "create --service S --kind alertmanager|pagerduty|webhook [--name N] [--key KEY]",
		Short: "Create an integration (admins only); its key is shown only once",
		Long: "Create an integration (admins only); its key is shown only once.\n\n" +
			"Without --key the server generates the key. With --key, a sender that already has one (a PagerDuty\n" +
			"routing key, the last segment of an Alertmanager webhook URL) keeps it and changes only its URL:\n" +
			"20 to 128 characters of A-Z, a-z, 0-9, '-' and '_'; exactly 32 for --kind pagerduty. A key\n" +
			"already used by any integration is refused.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			body := map[string]any{"kind": kind, "name": name}
			given := cmd.Flags().Changed("key")
			if given {
				body["key"] = key // the server checks it, empty included
			}
			return send(a, cmd, http.MethodPost, integrationsPath(service), body, func(v *struct {
				Integration warroom.Integration
				Key, URL    string
			}) error {
				if given {
					fmt.Fprintf(a.stdout, "integration %q (%s, id %s) created with the key given.\n\n",
						v.Integration.Name, v.Integration.Kind, v.Integration.ID)
				} else {
					fmt.Fprintf(a.stdout, "integration %q (%s, id %s) created; its key, shown only this once:\n\n  %s\n\n",
						v.Integration.Name, v.Integration.Kind, v.Integration.ID, v.Key)
				}
				switch v.Integration.Kind {
				case warroom.IntegrationPagerDuty:
					fmt.Fprintf(a.stdout, "Send PagerDuty Events API v2 events to %s with routing_key %s.\n", v.URL, v.Key)
				case warroom.IntegrationAlertmanager:
					fmt.Fprintf(a.stdout, "Alertmanager receiver:\n  webhook_configs:\n  - url: %s\n    send_resolved: true\n", v.URL)
				default:
					fmt.Fprintf(a.stdout, "POST alerts (JSON, see intake/GENERIC_WEBHOOK.md) to %s\n", v.URL)
				}
				return nil
			})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&service, "service", "", "the service the alerts are about (slug or ID)")
	fs.StringVar(&kind, "kind", "", "what sends: alertmanager, pagerduty (Events API v2) or webhook (generic JSON)")
	fs.StringVar(&name, "name", "", "a name for it (default: the kind)")
	fs.StringVar(&key, "key", "", "the key the sender already uses (default: a generated one); 20-128 of [A-Za-z0-9_-], 32 for pagerduty")
	_ = cmd.MarkFlagRequired("service")
	_ = cmd.MarkFlagRequired("kind")
	return cmd
}

func (a *app) integrationListCommand() *cobra.Command {
	var service string
	cmd := &cobra.Command{
		Use:   "list --service S",
		Short: "List a service's integrations",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fetch(a, cmd, integrationsPath(service), nil, func(v *struct{ Integrations []*warroom.Integration }) error {
				tw := table(a.stdout, "ID", "KIND", "NAME", "CREATED")
				for _, in := range v.Integrations {
					row(tw, in.ID, string(in.Kind), in.Name, fmtTime(in.CreatedAt))
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().StringVar(&service, "service", "", "the service (slug or ID)")
	_ = cmd.MarkFlagRequired("service")
	return cmd
}

func (a *app) integrationDeleteCommand() *cobra.Command {
	var service string
	cmd := &cobra.Command{
		Use:   "delete --service S ID",
		Short: "Delete an integration (admins only); its key stops working, its alerts stay",
		Args:  argsNamed("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return send(a, cmd, http.MethodDelete, integrationsPath(service)+"/"+url.PathEscape(args[0]), nil, func(in *warroom.Integration) error {
				_, err := fmt.Fprintf(a.stdout, "integration %q (%s, id %s) deleted\n", in.Name, in.Kind, in.ID)
				return err
			})
		},
	}
	cmd.Flags().StringVar(&service, "service", "", "the service (slug or ID)")
	_ = cmd.MarkFlagRequired("service")
	return cmd
}

// readJSONFile reads a JSON document for a request body ("-": stdin).
func (a *app) readJSONFile(path string) (json.RawMessage, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, usageErrorf("read %s: %v", path, err)
	}
	if !json.Valid(data) {
		return nil, usageErrorf("%s is not valid JSON", path)
	}
	return data, nil
}

// parseStep reads a step flag: comma-separated targets (user:HANDLE or
// schedule:NAME), optionally followed by @DELAY (default 5m).
func parseStep(s string) (warroom.EscalationStep, error) {
	step := warroom.EscalationStep{Delay: warroom.Duration(5 * time.Minute)}
	targets := s
	if i := strings.LastIndex(s, "@"); i > 0 {
		if d, err := time.ParseDuration(s[i+1:]); err == nil {
			targets, step.Delay = s[:i], warroom.Duration(d)
		}
	}
	for t := range strings.SplitSeq(targets, ",") {
		typ, id, ok := strings.Cut(strings.TrimSpace(t), ":")
		if !ok || (typ != "user" && typ != "schedule") || id == "" {
			return step, usageErrorf("step %q: a target is user:HANDLE or schedule:NAME, e.g. --step user:ada,schedule:primary@10m", s)
		}
		step.Targets = append(step.Targets, warroom.Target{Type: warroom.TargetType(typ), ID: trimAt(id)})
	}
	return step, nil
}

func (a *app) policyCreateCommand() *cobra.Command {
	var name, file string
	var steps []string
	var repeat int
	cmd := &cobra.Command{
		Use:   "create (--file policy.json | --name N --step TARGETS[@DELAY]...) [--repeat N]",
		Short: "Create an escalation policy (admins only)",
		Long: "Create an escalation policy: who is paged, in what order, until someone acknowledges.\n\n" +
			"Either --file with the API's JSON ({\"name\", \"steps\": [{\"targets\": [{\"type\": \"user\", \"id\": \"ada\"}], \"delay\": \"5m\"}], \"repeat\"}),\n" +
			"or --name and one --step per step: comma-separated targets user:HANDLE or schedule:NAME, then @DELAY\n" +
			"before the next step (default 5m), e.g. --step schedule:primary@10m --step user:ada,user:bob.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var body any
			switch {
			case file != "" && (name != "" || len(steps) > 0):
				return usageErrorf("give --file or --name with --step, not both")
			case file != "":
				raw, err := a.readJSONFile(file)
				if err != nil {
					return err
				}
				body = raw
			default:
				if name == "" || len(steps) == 0 {
					return usageErrorf("give --file, or --name and at least one --step")
				}
				p := warroom.EscalationPolicy{Name: name, Repeat: repeat}
				for _, s := range steps {
					step, err := parseStep(s)
					if err != nil {
						return err
					}
					p.Steps = append(p.Steps, step)
				}
				body = map[string]any{"name": p.Name, "steps": p.Steps, "repeat": p.Repeat}
			}
			return send(a, cmd, http.MethodPost, "/api/v1/escalation-policies", body, a.printPolicy(cmd))
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&file, "file", "", "the policy as JSON (- for stdin)")
	fs.StringVar(&name, "name", "", "policy name")
	fs.StringArrayVar(&steps, "step", nil, "a step: TARGETS[@DELAY] (repeatable, in order)")
	fs.IntVar(&repeat, "repeat", 0, "start over this many times after the last step (0-20)")
	return cmd
}

func (a *app) policyListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List escalation policies",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fetch(a, cmd, "/api/v1/escalation-policies", nil, func(v *struct{ Policies []*warroom.EscalationPolicy }) error {
				tw := table(a.stdout, "NAME", "STEPS", "REPEAT", "ID")
				for _, p := range v.Policies {
					row(tw, p.Name, strconv.Itoa(len(p.Steps)), strconv.Itoa(p.Repeat), p.ID)
				}
				return tw.Flush()
			})
		},
	}
}

func (a *app) policyShowCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "show POLICY",
		Short: "Show an escalation policy (by name or ID)",
		Args:  argsNamed("POLICY"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return fetch(a, cmd, "/api/v1/escalation-policies/"+url.PathEscape(args[0]), nil, a.printPolicy(cmd))
		},
	}
}

func (a *app) printPolicy(cmd *cobra.Command) func(p *warroom.EscalationPolicy) error {
	return func(p *warroom.EscalationPolicy) error {
		name := a.namer(cmd.Context(), nil)
		fmt.Fprintf(a.stdout, "%s (id %s), repeats %d time(s)\n", p.Name, p.ID, p.Repeat)
		for i, s := range p.Steps {
			var targets []string
			for _, t := range s.Targets {
				if t.Type == warroom.TargetUser {
					targets = append(targets, name(t.ID))
				} else {
					targets = append(targets, "schedule "+a.scheduleName(cmd.Context(), t.ID))
				}
			}
			fmt.Fprintf(a.stdout, "  %d. page %s, then wait %s\n", i+1, strings.Join(targets, ", "), fmtDuration(s.Delay))
		}
		return nil
	}
}

// scheduleName shows a schedule ID as the name people gave it (and type
// in `schedule oncall NAME`); the ID if the API does not answer.
func (a *app) scheduleName(ctx context.Context, id string) string {
	raw, err := a.api().get(ctx, schedulePath(id), nil)
	if err != nil {
		return id
	}
	var s struct{ Name string }
	if json.Unmarshal(raw, &s) != nil || s.Name == "" {
		return id
	}
	return s.Name
}

// parseRule reads an alert rule flag: MIN_SEVERITY:ACTION[:SEV], e.g.
// critical:declare:SEV2, warning:attach, info:wait.
func parseRule(s string) (warroom.AlertRule, error) {
	parts := strings.Split(s, ":")
	r := warroom.AlertRule{MinSeverity: strings.ToLower(parts[0])}
	if len(parts) >= 2 {
		r.Action = warroom.AlertAction(strings.ToLower(parts[1]))
	}
	if len(parts) == 3 {
		sev, err := parseSeverity(parts[2])
		if err != nil {
			return r, usageErrorf("rule %q: %v", s, err)
		}
		r.IncidentSeverity = sev
	}
	if len(parts) < 2 || len(parts) > 3 {
		return r, usageErrorf("rule %q: write MIN_SEVERITY:ACTION[:SEV], e.g. critical:declare:SEV2, warning:attach or info:wait", s)
	}
	return r, nil
}

func (a *app) servicePagingCommand() *cobra.Command {
	var policy string
	var rules []string
	var defaults, noPolicy bool
	cmd := &cobra.Command{
		Use:   "paging SERVICE [--policy P] [--rule MIN_SEVERITY:ACTION[:SEV]]... [--default-rules]",
		Short: "Show or set how a service pages: its escalation policy and alert rules (setting: admins only)",
		Long: "Without flags, show the service's paging. --policy sets the escalation policy (name or ID; --no-policy clears it).\n" +
			"--rule replaces the alert rules, in order, the first matching deciding: MIN_SEVERITY (critical, error, warning,\n" +
			"info) or worse gets ACTION: declare (an incident at SEV), attach (to the open incident, else wait) or wait\n" +
			"(for a person), e.g. --rule critical:declare:SEV2 --rule info:attach. --default-rules restores the defaults.",
		Args: argsNamed("SERVICE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := "/api/v1/services/" + url.PathEscape(args[0]) + "/paging"
			if policy == "" && !noPolicy && len(rules) == 0 && !defaults {
				return fetch(a, cmd, path, nil, a.printServicePaging(cmd))
			}
			raw, err := a.api().get(cmd.Context(), path, nil)
			if err != nil {
				return err
			}
			var cur warroom.ServicePaging
			if err := json.Unmarshal(raw, &cur); err != nil {
				return fmt.Errorf("unexpected answer from the server: %w", err)
			}
			body := map[string]any{"escalation_policy": cur.EscalationPolicyID, "alert_rules": cur.AlertRules}
			switch {
			case noPolicy:
				body["escalation_policy"] = ""
			case policy != "":
				body["escalation_policy"] = policy
			}
			switch {
			case defaults:
				body["alert_rules"] = nil
			case len(rules) > 0:
				list := []warroom.AlertRule{}
				for _, s := range rules {
					r, err := parseRule(s)
					if err != nil {
						return err
					}
					list = append(list, r)
				}
				body["alert_rules"] = list
			}
			return send(a, cmd, http.MethodPut, path, body, a.printServicePaging(cmd))
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&policy, "policy", "", "escalation policy (name or ID)")
	fs.BoolVar(&noPolicy, "no-policy", false, "page nobody for this service's alerts")
	fs.StringArrayVar(&rules, "rule", nil, "alert rule MIN_SEVERITY:ACTION[:SEV] (repeatable, in order)")
	fs.BoolVar(&defaults, "default-rules", false, "use the default alert rules")
	return cmd
}

func (a *app) printServicePaging(cmd *cobra.Command) func(sp *warroom.ServicePaging) error {
	return func(sp *warroom.ServicePaging) error {
		policy := "none (nobody is paged)"
		if sp.EscalationPolicyID != "" {
			policy = sp.EscalationPolicyID
			if raw, err := a.api().get(cmd.Context(), "/api/v1/escalation-policies/"+url.PathEscape(sp.EscalationPolicyID), nil); err == nil {
				var p warroom.EscalationPolicy
				if json.Unmarshal(raw, &p) == nil {
					policy = p.Name + " (" + p.ID + ")"
				}
			}
		}
		fmt.Fprintf(a.stdout, "escalation policy: %s\nalert rules (first match decides):\n", policy)
		for _, r := range sp.AlertRules {
			line := fmt.Sprintf("  %s or worse: %s", r.MinSeverity, r.Action)
			if r.Action == warroom.AlertDeclare {
				line += " " + string(r.IncidentSeverity)
			}
			fmt.Fprintln(a.stdout, line)
		}
		if len(sp.AlertRules) == 0 {
			fmt.Fprintln(a.stdout, "  none: every alert waits for a person")
		}
		return nil
	}
}
