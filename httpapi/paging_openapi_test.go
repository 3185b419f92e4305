package httpapi

import (
	"reflect"
	"slices"
	"testing"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/intake"
	"github.com/warroom/warroom/notify"
)

// TestOpenAPIPagingSchemasMatchTypes holds the documented schemas of the
// alert, on-call and paging routes against the Go types they render, as
// TestOpenAPISchemasMatchTypes does for the rest.
func TestOpenAPIPagingSchemasMatchTypes(t *testing.T) {
	e := newEnv(t, nil)
	schemas := openapiDocument(t, e)["components"].(map[string]any)["schemas"].(map[string]any)
	for name, v := range map[string]any{
		"Alert": warroom.Alert{}, "AlertList": alertList{}, "AlertAck": ackAnswer{}, "DeclareFromAlert": declareFromAlertInput{},
		"AttachAlerts": attachInput{}, "Integration": warroom.Integration{}, "IntegrationList": integrationList{},
		"IntegrationCreate": integrationInput{}, "IntegrationCreated": newIntegration{}, "AlertRule": warroom.AlertRule{},
		"ServicePaging": warroom.ServicePaging{}, "ServicePagingInput": servicePagingInput{}, "Target": warroom.Target{},
		"EscalationStep": warroom.EscalationStep{}, "EscalationPolicy": warroom.EscalationPolicy{},
		"EscalationPolicyInput": policyInput{}, "EscalationPolicyList": policyList{}, "ContactMethod": warroom.ContactMethod{},
		"ContactMethodInput": contactInput{}, "ContactMethodList": contactList{}, "NotificationRule": warroom.NotificationRule{},
		"NotificationRules": rulesInput{}, "Schedule": scheduleJSON{}, "ScheduleLayer": layerJSON{},
		"ScheduleRestriction": restrictionJSON{}, "ScheduleOverride": overrideJSON{}, "ScheduleList": scheduleList{},
		"Person": person{}, "Shift": shiftView{}, "OnCall": onCallAnswer{}, "Message": messageView{},
		"MessageAttempt": notify.Attempt{}, "MessageList": messageList{},
		"PagerDutyResponse": intake.PagerDutyResponse{}, "WebhookResponse": intake.WebhookResponse{},
	} {
		schema, ok := schemas[name].(map[string]any)
		if !ok {
			t.Errorf("schema %s is missing", name)
			continue
		}
		if got, want := propertyNames(schema), jsonFields(reflect.TypeOf(v)); !slices.Equal(got, want) {
			t.Errorf("schema %s has fields %v, the Go type %v", name, got, want)
		}
	}
	// ruleList answers what rulesInput takes.
	if !slices.Equal(jsonFields(reflect.TypeOf(ruleList{})), jsonFields(reflect.TypeOf(rulesInput{}))) {
		t.Error("ruleList and rulesInput differ")
	}
}
