import { readFileSync } from 'node:fs'

/** The machine's CPU time so far, in clock ticks, from Linux's /proc/stat. */
export interface CpuTicks {
  readonly total: number
  readonly steal: number
}

/**
 * Reads the machine-wide CPU counters; `undefined` where there is no /proc/stat. On a
 * virtual machine, "steal" is time the hypervisor gave our virtual CPUs to someone else:
 * a share of a few percent or more means the numbers are noisy.
 */
export function cpuTicks(): CpuTicks | undefined {
  let stat: string
  try {
    stat = readFileSync('/proc/stat', 'utf8')
  } catch {
    return undefined
  }
  const fields = stat.split('\n', 1)[0]?.trim().split(/\s+/).slice(1).map(Number) ?? []
  // user nice system idle iowait irq softirq steal guest guest_nice; guests are inside user.
  const total = fields.slice(0, 8).reduce((sum, n) => sum + n, 0)
  return { total, steal: fields[7] ?? 0 }
}

/** The share of CPU time stolen between two readings, 0–1. */
export function stealShare(before: CpuTicks | undefined, after: CpuTicks | undefined): number | undefined {
  if (before === undefined || after === undefined || after.total === before.total) return undefined
  return (after.steal - before.steal) / (after.total - before.total)
}

/**
 * How many connections the kernel has dropped so far because a listening socket's accept
 * queue was full (`ListenOverflows` in /proc/net/netstat, machine-wide); `undefined` where
 * unknown. A dropped connection attempt is retried by the client's kernel a second or more
 * later, so a count that grows during the memory bench explains a slow start.
 */
export function listenOverflows(): number | undefined {
  let netstat: string
  try {
    netstat = readFileSync('/proc/net/netstat', 'utf8')
  } catch {
    return undefined
  }
  const [names, values] = netstat.split('\n').filter((line) => line.startsWith('TcpExt:'))
  const at = names?.split(/\s+/).indexOf('ListenOverflows') ?? -1
  const value = at === -1 ? undefined : values?.split(/\s+/)[at]
  return value === undefined ? undefined : Number(value)
}
