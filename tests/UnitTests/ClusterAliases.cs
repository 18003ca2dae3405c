// Orleans brings Orleans.Runtime into every file; its SiloAddress is not the home-made cluster's (until that goes).
global using SiloAddress = Perms.Cluster.SiloAddress;
