package intake

import (
	"unicode/utf8"

	"github.com/warroom/warroom"
)

// What intake refuses so that every store keeps what it accepts: a
// delivery that one database would store and another refuse must fail
// alone and the same way everywhere, at parsing, with a 400 naming the
// field (see the limits in package warroom). Every string of a body
// is checked, at any depth (labels, annotations, details), for NUL
// characters, bytes that are not UTF-8 and halves of surrogate pairs;
// the keys that stores index are checked for length.

// checkText refuses a body, already decoded (so valid JSON), that holds
// a string no store can keep. The error names the string's field.
func checkText(body []byte) *Error {
	if path, problem := warroom.JSONTextProblem(body); problem != "" {
		return fieldError(path, "%s", problem)
	}
	return nil
}

// checkKey refuses a dedup key or fingerprint longer than
// warroom.MaxKeyChars.
func checkKey(field, key string) *Error {
	if utf8.RuneCountInString(key) > warroom.MaxKeyChars {
		return fieldError(field, "longer than %d characters", warroom.MaxKeyChars)
	}
	return nil
}

// checkGroupKey refuses a group key longer than warroom.MaxGroupKeyBytes.
func checkGroupKey(field, key string) *Error {
	if len(key) > warroom.MaxGroupKeyBytes {
		return fieldError(field, "longer than %d bytes", warroom.MaxGroupKeyBytes)
	}
	return nil
}
