// The gateway (the public gRPC front door) is not built yet: it arrives with the gRPC issue (#5) and the cluster
// issue (#8). Until then this process refuses to run rather than pretend to serve.
Console.Error.WriteLine("perms gateway: not built yet (see README, 'What is not built yet').");
return 1;
