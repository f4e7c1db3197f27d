"""Who is asking, and what their role allows: principals, the permission table, guards."""
