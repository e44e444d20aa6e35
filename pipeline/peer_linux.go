//go:build linux && !pipehttp_xsys

package pipeline

import (
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Linux: accept4 with its sockaddr, as sysAccept in sys_linux.go. Other
// systems (and Linux with pipehttp_xsys) use sys_unix.go's acceptFD.

// acceptFD accepts one connection from the non-blocking listening socket
// lfd, non-blocking and close-on-exec itself. With the access log on it
// also returns the client's address, which accept4 writes along with the
// connection (no getpeername, no extra system call); with it off nothing
// is decoded or kept, as before.
func (s *Server) acceptFD(lfd int) (int, *netip.AddrPort, error) {
	if s.cfg.AccessLog == nil {
		fd, err := sysAccept(lfd)
		return fd, nil, err
	}
	var sa unix.RawSockaddrAny
	n := uint32(unix.SizeofSockaddrAny)
	fd, _, e := unix.RawSyscall6(unix.SYS_ACCEPT4, uintptr(lfd), uintptr(unsafe.Pointer(&sa)), uintptr(unsafe.Pointer(&n)),
		unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
	if e != 0 {
		return -1, nil, errnoErr(e)
	}
	return int(fd), peerAddr(&sa), nil
}

// peerAddr decodes an IPv4 or IPv6 socket address (an IPv4-mapped IPv6
// address as IPv4); anything else is nil.
func peerAddr(sa *unix.RawSockaddrAny) *netip.AddrPort {
	var ap netip.AddrPort
	switch sa.Addr.Family {
	case unix.AF_INET:
		in := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		ap = netip.AddrPortFrom(netip.AddrFrom4(in.Addr), networkOrder(in.Port))
	case unix.AF_INET6:
		in := (*unix.RawSockaddrInet6)(unsafe.Pointer(sa))
		ap = netip.AddrPortFrom(netip.AddrFrom16(in.Addr).Unmap(), networkOrder(in.Port))
	default:
		return nil
	}
	return &ap
}

// networkOrder reads a port as the kernel stores it: big-endian.
func networkOrder(p uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(&p))
	return uint16(b[0])<<8 | uint16(b[1])
}
