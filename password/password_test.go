package password

import (
	"strings"
	"testing"
)

func TestHashAndVerify(t *testing.T) {
	p := Params{Memory: 64, Time: 1, Threads: 1}
	h, err := Hash("correct horse battery", p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q is not a PHC argon2id string", h)
	}
	if ok, err := Verify("correct horse battery", h); !ok || err != nil {
		t.Fatalf("right password: %v %v", ok, err)
	}
	if ok, _ := Verify("correct horse batterY", h); ok {
		t.Fatal("wrong password verified")
	}
	// The same password hashes differently each time (salt).
	if h2, _ := Hash("correct horse battery", p); h2 == h {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	// The costs come from the hash: changing them breaks verification.
	if ok, _ := Verify("correct horse battery", strings.Replace(h, "t=1", "t=2", 1)); ok {
		t.Fatal("verified with other costs")
	}
	for _, bad := range []string{"", "$2a$10$bcrypt", "$argon2id$v=18$m=64,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=64,t=1,p=1$!!$AAAA"} {
		if _, err := Verify("x", bad); err == nil {
			t.Errorf("Verify accepted the hash %q", bad)
		}
	}
}

func TestCheck(t *testing.T) {
	for pw, ok := range map[string]bool{
		"elevenchars": false, "twelve chars": true, "ünïcödé ünï": false, "ünïcödé ünïc": true,
		strings.Repeat("x", MaxBytes): true, strings.Repeat("x", MaxBytes+1): false,
	} {
		if err := Check("password", pw); (err == nil) != ok {
			t.Errorf("Check(%q) = %v", pw, err)
		}
	}
}
