// The Kefu customer-service mini-program: one chat page against the gateway's v1 contract.
App({});
