/**
 * The client host Kafka reports for a group member (DescribeGroups, consumer-groups tool):
 * Java's `InetAddress.toString()` of the connection's peer, which for an unresolved address is
 * "/" + the address ("/127.0.0.1"). Node reports IPv4 peers of a dual-stack socket as
 * IPv4-mapped IPv6 ("::ffff:127.0.0.1"); Java shows those as plain IPv4.
 */
export function clientHostOf(clientAddress: string): string {
  const ip = clientAddress.startsWith('::ffff:') && clientAddress.includes('.') ? clientAddress.slice('::ffff:'.length) : clientAddress;
  return `/${ip}`;
}
