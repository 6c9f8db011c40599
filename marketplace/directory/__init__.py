"""The company directory: the organisation chart admins import, which from then on owns
who is in the company, their name, manager, region and job title."""
