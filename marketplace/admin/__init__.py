"""Program administration. Every view here is for admins only."""
