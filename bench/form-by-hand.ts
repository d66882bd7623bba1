import type { Lab } from '../test/lab/lab.js';

/**
 * A swarm formed the way Docker's docs do it, for labs started without swarmnode (`agent: false`):
 * init on the first instance, every other joins it with the token of its role.
 */
export async function formByHand(lab: Lab): Promise<void> {
  const [first, ...others] = lab.instances();
  if (first === undefined) throw new Error('bench: empty lab');
  const leader = lab.docker(first.instanceId);
  await leader.swarmInit({ ListenAddr: '0.0.0.0:2377', AdvertiseAddr: first.privateIp });
  const tokens = ((await leader.swarmInspect()) as { JoinTokens: { Manager: string; Worker: string } }).JoinTokens;
  for (const peer of others) {
    await lab.docker(peer.instanceId).swarmJoin({
      ListenAddr: '0.0.0.0:2377',
      AdvertiseAddr: peer.privateIp,
      RemoteAddrs: [`${first.privateIp}:2377`],
      JoinToken: peer.role === 'manager' ? tokens.Manager : tokens.Worker,
    });
  }
}
