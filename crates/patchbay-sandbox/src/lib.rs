//! A local stand-in for Microsoft's identity platform (v2.0) and Microsoft Graph.
