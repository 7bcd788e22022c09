// Every grain interface declares its methods' permissions; the attribute belongs to all of them.
global using Techmail.Access;
