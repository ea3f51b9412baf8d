package feeds

import (
	"net/netip"
	"strings"
	"testing"
)

// TestForbiddenAddr: only global unicast is fetched, minus IANA's
// special-purpose blocks; addresses that embed an IPv4 address are judged
// by it.
func TestForbiddenAddr(t *testing.T) {
	tests := []struct{ ip, want string }{
		// IPv4 special-purpose registry
		{"0.0.0.0", "non-unicast"},
		{"0.1.2.3", "non-unicast"},
		{"10.0.0.1", "private"},
		{"100.64.0.1", "private"},
		{"100.127.255.254", "private"},
		{"127.0.0.1", "loopback"},
		{"127.255.255.254", "loopback"},
		{"169.254.169.254", "link-local"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.0.0.1", "reserved"},
		{"192.0.0.170", "reserved"},
		{"192.0.2.1", "documentation"},
		{"192.88.99.1", "reserved"},
		{"192.168.1.1", "private"},
		{"198.18.0.1", "benchmarking"},
		{"198.19.255.255", "benchmarking"},
		{"198.51.100.7", "documentation"},
		{"203.0.113.9", "documentation"},
		{"224.0.0.1", "non-unicast"},
		{"239.255.255.250", "non-unicast"},
		{"240.0.0.1", "reserved"},
		{"255.255.255.254", "reserved"},
		{"255.255.255.255", "non-unicast"},
		// public IPv4, including neighbours of the blocks above
		{"93.184.215.14", ""},
		{"1.1.1.1", ""},
		{"100.63.255.255", ""},
		{"100.128.0.1", ""},
		{"172.15.255.255", ""},
		{"172.32.0.1", ""},
		{"192.0.1.1", ""},
		{"192.0.3.1", ""},
		{"198.17.255.255", ""},
		{"198.20.0.1", ""},
		{"223.255.255.254", ""},
		// IPv6
		{"::", "non-unicast"},
		{"::1", "loopback"},
		{"::ffff:127.0.0.1", "loopback"},
		{"::ffff:10.0.0.1", "private"},
		{"::ffff:0.0.0.0", "non-unicast"},
		{"::ffff:93.184.215.14", ""},
		{"::127.0.0.1", "reserved"}, // IPv4-compatible, deprecated
		{"64:ff9b::7f00:1", "loopback"},
		{"64:ff9b::a9fe:a9fe", "link-local"},
		{"64:ff9b::c0a8:101", "private"},
		{"64:ff9b::5db8:d70e", ""},           // 93.184.215.14 through NAT64
		{"64:ff9b:1::7f00:1", "reserved"},    // local-use NAT64: where the IPv4 address sits is the operator's choice
		{"64:ff9b:1:7f00:1::", "reserved"},   // 127.0.0.1 in the /48 layout
		{"64:ff9b:1::5db8:d70e", "reserved"}, // public in the /96 layout, 0.0.0.0 in the /48 one
		{"100::1", "reserved"},
		{"2001::1", "reserved"}, // Teredo
		{"2001:2::1", "benchmarking"},
		{"2001:10::1", "reserved"}, // ORCHID, deprecated
		{"2001:1::1", ""},          // PCP anycast
		{"2001:3::1", ""},          // AMT
		{"2001:4:112::1", ""},      // AS112
		{"2001:20::1", ""},         // ORCHIDv2
		{"2001:db8::1", "documentation"},
		{"3fff::1", "documentation"},
		{"5f00::1", "reserved"},
		{"2002:7f00:1::1", "loopback"}, // 6to4 of 127.0.0.1
		{"2002:a00:1::", "private"},
		{"2002:5db8:d70e::1", ""},
		{"fc00::1", "private"},
		{"fd12:3456::1", "private"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"fec0::1", "reserved"}, // site-local, deprecated
		{"ff02::1", "non-unicast"},
		{"4000::1", "reserved"}, // not global unicast
		{"2606:4700::1111", ""},
		{"2a00:1450:4001::200e", ""},
	}
	for _, tt := range tests {
		t.Run(tt.ip, func(t *testing.T) {
			if got := forbiddenAddr(netip.MustParseAddr(tt.ip)); got != tt.want {
				t.Errorf("forbiddenAddr(%s) = %q, want %q", tt.ip, got, tt.want)
			}
			err := refusePrivate("tcp", "["+tt.ip+"]:443", nil)
			if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), "a "+tt.want+" address")) {
				t.Errorf("refusePrivate: %v", err)
			}
		})
	}
}
